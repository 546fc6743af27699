"""What a CRM's statuses and engagement types mean to Handoff, per connector (pure).

Each connector stores one `Mappings` document (`PUT /v1/connectors/{connector}`); the defaults
follow each CRM's out-of-the-box values (HubSpot's lead status and lifecycle stage, Salesforce's
Lead Status picklist). A value the mapping does not name is ignored, never guessed.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import CrmActivityKind, CrmActivityRecorded

Connector = Literal["hubspot", "salesforce"]
CONNECTORS: tuple[Connector, ...] = ("hubspot", "salesforce")
# What a CRM value may become: a touch (any activity), or one of the follow-up outcomes.
Outcome = Literal["touched", "accepted", "rejected", "converted", "won", "lost"]
EngagementKind = Literal["call", "email", "meeting"]
Name = str  # a property or field name, a picklist value


class Mappings(BaseModel):
    """One connector's mapping of CRM values to Handoff's CRM activities."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    properties: dict[Name, dict[Name, Outcome]] = Field(
        description="Per CRM property (field), which of its values is which outcome")
    engagements: dict[Name, EngagementKind] = Field(
        description="Per CRM engagement type (HubSpot object type id, Salesforce Task subtype or Event), its kind")
    owner_changed: Outcome | None = Field(
        default=None, description="What a CRM user moving the lead to another owner means (e.g. `rejected`, with the"
                                  " default reason); null: nothing (Handoff reassigns by its own rules)")
    rejection_reason_property: Name | None = Field(
        default=None, description="The property holding why a lead was rejected, read when one is")
    rejection_reasons: dict[Name, str] = Field(
        default_factory=dict, description="Its values, as the agreement's rejection reasons")
    default_rejection_reason: str | None = Field(
        default=None, description="The reason when the property is empty or unmapped (else the rejection is skipped)")


HUBSPOT_DEFAULTS = Mappings(
    properties={
        "hs_lead_status": {"ATTEMPTED_TO_CONTACT": "touched", "CONNECTED": "accepted", "IN_PROGRESS": "accepted",
                           "OPEN_DEAL": "converted", "UNQUALIFIED": "rejected"},
        "lifecyclestage": {"opportunity": "converted", "customer": "won"},
        "handoff_outcome": {"won": "won", "lost": "lost"},
    },
    engagements={"0-48": "call", "0-47": "meeting", "0-49": "email"},  # calls, meetings, emails
    rejection_reason_property="handoff_rejection_reason",
)
SALESFORCE_DEFAULTS = Mappings(
    properties={"Status": {"Working - Contacted": "accepted", "Closed - Converted": "converted",
                           "Closed - Not Converted": "rejected"}},
    engagements={"Call": "call", "Email": "email", "Event": "meeting", "Task": "call"},
    rejection_reason_property="Handoff_Rejection_Reason__c",
)
DEFAULTS: dict[Connector, Mappings] = {"hubspot": HUBSPOT_DEFAULTS, "salesforce": SALESFORCE_DEFAULTS}


def outcome_of(mappings: Mappings, name: str, value: object) -> Outcome | None:
    """The outcome a property's new value means, or None when the mapping does not name it."""
    values = mappings.properties.get(name)
    if values is None or value is None:
        return None
    return values.get(str(value))


def rejection_reason(mappings: Mappings, value: object) -> str | None:
    """The agreement's reason for the CRM's reason value, else the default, else None."""
    if value is not None and str(value) in mappings.rejection_reasons:
        return mappings.rejection_reasons[str(value)]
    if value is not None and str(value).strip() and not mappings.rejection_reasons:
        return str(value)  # no translation table: the CRM's value is the reason as written
    return mappings.default_rejection_reason


def activity(activity_id: str, lead_key: str, outcome: Outcome | EngagementKind, occurred_at: datetime,
             rep_id: str | None = None, reason: str | None = None) -> CrmActivityRecorded:
    """The CRM activity of an outcome or an engagement; a bare touch is recorded as a call."""
    if outcome in ("call", "email", "meeting"):
        kind, status = CrmActivityKind(outcome), None
    elif outcome == "touched":
        kind, status = CrmActivityKind.CALL, None
    else:
        kind, status = CrmActivityKind.STATUS, outcome
    return CrmActivityRecorded(activity_id=activity_id[:200], lead_key=lead_key, rep_id=rep_id, kind=kind,
                               status=status, reason=reason if status == "rejected" else None,
                               occurred_at=occurred_at)
