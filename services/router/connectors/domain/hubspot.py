"""HubSpot's CRM v3 API as the connector uses it, and its CRM webhooks read (pure).

Outbound: the contact is addressed by e-mail (`idProperty=email`, the lead key), its owner is the
`hubspot_owner_id` property, and the note is associated to it (HUBSPOT_DEFINED type 202, note to
contact). Inbound: a webhook request is a JSON array of events, each naming one object by id;
contact property changes carry the new value, engagement creations only the engagement's id.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from services.router.connectors.domain.mappings import Mappings
from services.shared.hubspot_events import HubSpotWebhookEvent

CONTACT_TYPE_ID = "0-1"
OWNER_PROPERTY = "hubspot_owner_id"
NOTE_TO_CONTACT = 202
ENGAGEMENT_PATHS = {"0-48": "calls", "0-47": "meetings", "0-49": "emails"}  # object type id -> API path


def owner_properties(owner_id: str) -> dict[str, Any]:
    """The body of PATCH /crm/v3/objects/contacts/{email}?idProperty=email."""
    return {"properties": {OWNER_PROPERTY: owner_id}}


def new_contact(lead_key: str, owner_id: str) -> dict[str, Any]:
    """The body of POST /crm/v3/objects/contacts, when no contact has the lead's e-mail yet."""
    return {"properties": {"email": lead_key, OWNER_PROPERTY: owner_id}}


def new_note(contact_id: str, owner_id: str, text: str, at: datetime) -> dict[str, Any]:
    """The body of POST /crm/v3/objects/notes: the explanation, on the contact's timeline."""
    return {"properties": {"hs_timestamp": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                           "hs_note_body": text, OWNER_PROPERTY: owner_id},
            "associations": [{"to": {"id": contact_id}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]}]}


class WebhookEvent(HubSpotWebhookEvent):
    """One event of a HubSpot CRM webhook request; the connector needs its time."""

    occurred_at: int | float

    @property
    def key(self) -> str:
        """HubSpot's event id is unique only with the subscription and the object it is about."""
        return f"hubspot:{self.event_id}-{self.subscription_id}-{self.object_id}"

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(float(self.occurred_at) / 1000, UTC)


@dataclass(frozen=True)
class PropertyChanged:
    key: str
    contact_id: str
    name: str
    value: Any
    at: datetime


@dataclass(frozen=True)
class EngagementLogged:
    key: str
    object_type_id: str
    object_id: str
    at: datetime


Inbound = PropertyChanged | EngagementLogged


def read_events(body: list[Any], mappings: Mappings) -> tuple[list[Inbound], list[tuple[str, str]]]:
    """The events the connector acts on, and (item, reason) for every other one."""
    found: list[Inbound] = []
    skipped: list[tuple[str, str]] = []
    for index, item in enumerate(body):
        where = f"[{index}]"
        try:
            event = WebhookEvent.model_validate(item)
        except ValidationError as exc:
            skipped.append((where, f"not a HubSpot event: {exc.errors()[0]['msg']}"))
            continue
        if not event.object_id.isdigit():  # HubSpot's ids are numbers; nothing else goes into an API path
            skipped.append((where, "objectId is not a HubSpot id"))
            continue
        family, _, change = event.subscription_type.partition(".")
        on_contact = family == "contact" or (family == "object" and event.object_type_id == CONTACT_TYPE_ID)
        if on_contact and change == "propertyChange" and event.property_name:
            if event.property_name in mappings.properties or event.property_name == OWNER_PROPERTY:
                found.append(PropertyChanged(event.key, event.object_id, event.property_name,
                                             event.property_value, event.at))
            else:
                skipped.append((where, f"property {event.property_name!r} is not mapped"))
        elif family == "object" and change == "creation" and event.object_type_id in mappings.engagements:
            found.append(EngagementLogged(event.key, event.object_type_id, event.object_id, event.at))
        else:
            skipped.append((where, f"{event.subscription_type} ({event.object_type_id or 'no type'}) is not mapped"))
    return found, skipped


def engagement_contacts(engagement: dict[str, Any]) -> list[str]:
    """The contact ids an engagement read with `?associations=contacts` is associated with."""
    results = ((engagement.get("associations") or {}).get("contacts") or {}).get("results") or []
    return [str(r["id"]) for r in results if isinstance(r, dict) and r.get("id") is not None]
