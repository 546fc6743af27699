"""What the CRM is told, and when: the owner change and its explanation, from a routed or a
reassigned event (pure)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

ROUTED = "handoff.lead.routed"
FOLLOWUP = "handoff.lead.followup"
CONNECTOR_EVENTS = [ROUTED, f"{FOLLOWUP}:reassigned"]  # what a connector subscribes to


@dataclass(frozen=True)
class OwnerChange:
    """Set the lead's owner to the CRM user of `rep_id`, and leave `note` beside it."""

    lead_key: str
    rep_id: str
    occurred_at: datetime
    subject: str
    note: str


def _when(value: Any) -> str:
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC") if value else "none set"


def owner_change(event: dict[str, Any]) -> OwnerChange | None:
    """The owner change a delivered CloudEvent asks for; None for events a connector does not act on."""
    data, kind = event.get("data") or {}, event.get("type")
    if kind == ROUTED:
        note = (f"Routed by Handoff to {data['rep_id']}: rule {data['rule']}, tier {data['tier']},"
                f" first touch due {_when(data.get('sla_due_at'))}"
                + (f", agreement v{data['agreement_version']}" if data.get("agreement_version") else "") + ".")
        return OwnerChange(data["lead_key"], data["rep_id"], datetime.fromisoformat(data["routed_at"]),
                           "Handoff: lead routed", note)
    if kind == FOLLOWUP and data.get("status") == "reassigned" and data.get("rep_id"):
        note = (f"Reassigned by Handoff from {data.get('previous_rep_id') or 'nobody'} to {data['rep_id']}"
                + (f" ({data['reason']})" if data.get("reason") else "") + f", tier {data.get('tier') or '-'}.")
        return OwnerChange(data["lead_key"], data["rep_id"], datetime.fromisoformat(data["occurred_at"]),
                           "Handoff: lead reassigned", note)
    return None
