"""Salesforce's Flow callouts and Outbound Messages into CRM activities, each record resolved to its lead."""

from collections.abc import Sequence

from services.router.connectors.domain.mappings import Mappings, activity
from services.router.connectors.domain.salesforce import RecordChanged, meaning
from services.router.connectors.ports import Links
from services.router.connectors.publishing import Read
from services.router.connectors.salesforce_api import CONNECTOR


async def read_changes(changes: Sequence[RecordChanged], mappings: Mappings, store: Links) -> Read:
    """The activities the changes mean; a record on no lead Handoff routed is skipped with its reason.
    A Lead is found by the Id Handoff set its owner on, else by its e-mail when that lead was routed."""
    out = Read()
    leads = await store.leads_of(CONNECTOR, [c.lead_id for c in changes if c.lead_id])
    for change in changes:
        lead = leads.get(change.lead_id or "")
        if lead is None and change.email and await store.current_rep(change.email.lower()) is not None:
            lead = change.email.lower()
        if lead is None:
            out.skipped.append((change.key, f"{change.object} {change.lead_id or change.email} is on no lead"
                                            " Handoff routed"))
            continue
        kind, reason, why = meaning(change, mappings)
        if kind is None:
            out.skipped.append((change.key, why))
            continue
        owner = change.fields.get("OwnerId")
        rep = await store.rep_of(CONNECTOR, str(owner)) if owner and change.object != "Lead" else None
        out.activities.append(activity(change.key, lead, kind, change.at, rep_id=rep, reason=reason))
    return out
