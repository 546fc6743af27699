"""Salesforce's REST API as the connector uses it, and what its Flow callouts and Outbound Messages say (pure).

Outbound: the Lead of the lead's e-mail (the newest unconverted one, by SOQL) gets `OwnerId`, and a
Task on it (`WhoId`) carries the explanation; with no such Lead, one is created. Inbound: a change
names one record (a Lead, or a Task or Event on a Lead) with the fields the Flow or the Outbound
Message sends; its key (the Flow's event id, the notification id) makes it count once.
"""

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

from services.router.connectors.domain.mappings import EngagementKind, Mappings, Outcome, outcome_of, rejection_reason

OWN_TASK_PREFIX = "Handoff:"  # the Tasks Handoff writes; a Flow on Task creation must not read them as touches
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ACK = ('<?xml version="1.0" encoding="UTF-8"?>'
       f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
       f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
       '</soapenv:Body></soapenv:Envelope>')


def soql_string(value: str) -> str:
    """A SOQL string literal (quotes and backslashes escaped, as the SOQL reference says)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def lead_query(email: str) -> str:
    return (f"SELECT Id FROM Lead WHERE Email = {soql_string(email)} AND IsConverted = false"
            " ORDER BY CreatedDate DESC LIMIT 1")


def new_lead(email: str, owner_id: str) -> dict[str, str]:
    """A Lead for an e-mail Salesforce does not know yet (LastName and Company are required there)."""
    return {"Email": email, "LastName": email.split("@", 1)[0][:80], "Company": "[not provided]", "OwnerId": owner_id}


def new_task(lead_id: str, owner_id: str, subject: str, text: str, at: datetime) -> dict[str, str]:
    """The Task that explains the owner change, on the Lead's activity timeline."""
    return {"WhoId": lead_id, "OwnerId": owner_id, "Subject": f"{OWN_TASK_PREFIX} {subject.removeprefix('Handoff: ')}",
            "Description": text, "Status": "Completed", "Priority": "Normal",
            "ActivityDate": at.astimezone(UTC).date().isoformat()}


def jwt_assertion(client_id: str, username: str, audience: str, now: datetime, sign: Any) -> str:
    """The JWT of the OAuth 2.0 JWT bearer flow, RS256; `sign(bytes) -> bytes` holds the private key."""
    def part(value: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()
    claims = {"iss": client_id, "sub": username, "aud": audience, "exp": int(now.timestamp()) + 180}
    signing_input = f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}"
    signature = base64.urlsafe_b64encode(sign(signing_input.encode())).rstrip(b"=").decode()
    return f"{signing_input}.{signature}"


@dataclass(frozen=True)
class RecordChanged:
    """One Salesforce record as a Flow or an Outbound Message reports it."""

    key: str
    object: str  # Lead, Task, Event
    lead_id: str | None  # the Lead's Id (a Task's or Event's WhoId)
    email: str | None
    fields: Mapping[str, Any]
    at: datetime


def meaning(change: RecordChanged, mappings: Mappings) -> tuple[Outcome | EngagementKind | None, str | None, str]:
    """(outcome or engagement kind, rejection reason, why not) of a change; None with the reason to skip it."""
    if change.object == "Lead":
        for name in mappings.properties:
            outcome = outcome_of(mappings, name, change.fields.get(name))
            if outcome is not None:
                reason = None
                if outcome == "rejected":
                    prop = mappings.rejection_reason_property
                    reason = rejection_reason(mappings, change.fields.get(prop) if prop else None)
                    if reason is None:
                        return None, None, f"a rejection needs a reason and {prop!r} holds none mapped"
                return outcome, reason, ""
        return None, None, "no mapped Lead field value"
    if change.object in ("Task", "Event"):
        if str(change.fields.get("Subject") or "").startswith(OWN_TASK_PREFIX):
            return None, None, "a Task Handoff wrote"
        subtype = "Event" if change.object == "Event" else str(change.fields.get("TaskSubtype") or "Task")
        kind = mappings.engagements.get(subtype)
        return (kind, None, "") if kind else (None, None, f"{change.object} subtype {subtype!r} is not mapped")
    return None, None, f"object {change.object!r} is not read"


class NotOutboundMessage(ValueError):
    """The body is not a Salesforce Outbound Message (or carries a DTD, which is never parsed)."""


def _text(node: ElementTree.Element | None) -> str | None:
    if node is None or node.get(f"{{{XSI_NS}}}nil") == "true":
        return None
    return (node.text or "").strip() or None


def read_outbound_message(raw: bytes, received_at: datetime) -> tuple[str | None, list[RecordChanged]]:
    """(OrganizationId, the notifications) of an Outbound Message; NotOutboundMessage when it is none.
    A record's time is its LastModifiedDate (`received_at` when it carries none)."""
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise NotOutboundMessage("a document type declaration is never accepted")
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise NotOutboundMessage(f"not XML: {exc}") from exc
    notifications = root.find(f"{{{SOAP_ENV}}}Body/{{{OUTBOUND_NS}}}notifications")
    if notifications is None:
        raise NotOutboundMessage("no soapenv:Body/notifications element")
    org = _text(notifications.find(f"{{{OUTBOUND_NS}}}OrganizationId"))
    found = []
    for notification in notifications.findall(f"{{{OUTBOUND_NS}}}Notification"):
        note_id = _text(notification.find(f"{{{OUTBOUND_NS}}}Id"))
        record = notification.find(f"{{{OUTBOUND_NS}}}sObject")
        if note_id is None or record is None:
            continue
        kind = (record.get(f"{{{XSI_NS}}}type") or "").rpartition(":")[2]
        fields = {child.tag.rpartition("}")[2]: _text(child) for child in record}
        at = _instant(fields.get("LastModifiedDate")) or received_at
        lead_id = fields.get("Id") if kind == "Lead" else fields.get("WhoId")
        found.append(RecordChanged(f"salesforce:{note_id}", kind, lead_id, fields.get("Email"), fields, at))
    return org, found


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
