"""HubSpot CRM webhooks into CRM activities: each event resolved to the lead Handoff routed.

Contact property changes name the contact; a rejection's reason is read from the contact's mapped
property. An engagement creation names only the call, meeting or e-mail, which is read with its
associated contacts. Each activity's id is HubSpot's event key, so a redelivery is applied once.
"""

from typing import Any

from services.router.connectors.domain import hubspot
from services.router.connectors.domain.mappings import Mappings, activity, outcome_of, rejection_reason
from services.router.connectors.hubspot_api import CONNECTOR
from services.router.connectors.ports import Links, RecordReader
from services.router.connectors.publishing import Read


async def read_webhook(body: list[Any], mappings: Mappings, store: Links, api: RecordReader) -> Read:
    """The activities a webhook body means; every event left out is in `skipped` with its reason.
    CrmRefused (a HubSpot read failed) propagates: the request is answered 503 and HubSpot retries."""
    events, skipped = hubspot.read_events(body, mappings)
    out = Read(skipped=skipped)
    contacts = [e.contact_id for e in events if isinstance(e, hubspot.PropertyChanged)]
    leads = await store.leads_of(CONNECTOR, contacts)
    for event in events:
        if isinstance(event, hubspot.PropertyChanged):
            await _property(event, leads.get(event.contact_id), mappings, store, api, out)
        else:
            await _engagement(event, mappings, store, api, out)
    return out


async def _property(event: hubspot.PropertyChanged, lead: str | None, mappings: Mappings,
                    store: Links, api: RecordReader, out: Read) -> None:
    if lead is None:
        out.skipped.append((event.key, f"contact {event.contact_id} is no lead Handoff routed"))
        return
    if event.name == hubspot.OWNER_PROPERTY:
        rep = await store.rep_of(CONNECTOR, str(event.value)) if event.value else None
        if rep is not None and rep == await store.current_rep(lead):
            out.skipped.append((event.key, "the owner Handoff set"))
            return
        if mappings.owner_changed is None:
            out.skipped.append((event.key, "owner changed in HubSpot; Handoff reassigns by its own rules"))
            return
    outcome = mappings.owner_changed if event.name == hubspot.OWNER_PROPERTY else outcome_of(
        mappings, event.name, event.value)
    if outcome is None:
        out.skipped.append((event.key, f"{event.name}={event.value!r} is not mapped"))
        return
    reason = None
    if outcome == "rejected":
        reason = await _rejection_reason(event.contact_id, mappings, api)
        if reason is None:
            out.skipped.append((event.key, f"a rejection needs a reason and {mappings.rejection_reason_property!r}"
                                           " holds none mapped (set default_rejection_reason)"))
            return
    out.activities.append(activity(event.key, lead, outcome, event.at, reason=reason))


async def _rejection_reason(contact_id: str, mappings: Mappings, api: RecordReader) -> str | None:
    prop = mappings.rejection_reason_property
    if prop is None:
        return mappings.default_rejection_reason
    contact = await api.read(f"/crm/v3/objects/contacts/{contact_id}", [prop])
    return rejection_reason(mappings, (contact.get("properties") or {}).get(prop))


async def _engagement(event: hubspot.EngagementLogged, mappings: Mappings, store: Links,
                      api: RecordReader, out: Read) -> None:
    path = hubspot.ENGAGEMENT_PATHS.get(event.object_type_id)
    if path is None:
        out.skipped.append((event.key, f"object type {event.object_type_id} is no engagement HubSpot's API reads"))
        return
    found = await api.read(f"/crm/v3/objects/{path}/{event.object_id}", [hubspot.OWNER_PROPERTY], "contacts")
    leads = await store.leads_of(CONNECTOR, hubspot.engagement_contacts(found))
    if not leads:
        out.skipped.append((event.key, f"{path} {event.object_id} is on no lead Handoff routed"))
        return
    owner = (found.get("properties") or {}).get(hubspot.OWNER_PROPERTY)
    rep = await store.rep_of(CONNECTOR, str(owner)) if owner else None
    kind = mappings.engagements[event.object_type_id]
    for lead in sorted(set(leads.values())):
        key = event.key if len(leads) == 1 else f"{event.key}:{lead}"
        out.activities.append(activity(key, lead, kind, event.at, rep_id=rep))
