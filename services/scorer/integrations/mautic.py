"""Mautic webhooks: a body keyed by event type, each an array of items that carry the contact."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from schemas.messages import EngagementEvent
from services.scorer.integrations.common import (
    EmptyBatch,
    MalformedBody,
    Mapped,
    clean_email,
    content_hash,
    engagement_event,
    first_time,
    lookup,
    mapped_attributes,
    reason_of,
    text,
)
from services.scorer.integrations.mappings import MauticMappings

SOURCE = "mautic"
# An item's subject (form submission, page hit, email stat) carries the contact as `lead`;
# contact events carry it as `contact` (older Mautic: `lead`) on the item itself.
_SUBJECTS = ("submission", "hit", "stat")


def contact_fields(contact: Mapping[str, Any]) -> dict[str, Any]:
    """Field alias -> value, whether Mautic sent `fields.all`, groups of `{alias: {value}}`, or both."""
    fields = contact.get("fields")
    flat: dict[str, Any] = {}
    if isinstance(fields, dict):  # no fields at all arrive as an empty JSON array
        if isinstance(fields.get("all"), dict):
            flat.update(fields["all"])
        for group, entries in fields.items():
            if group == "all" or not isinstance(entries, dict):
                continue
            for alias, entry in entries.items():
                flat.setdefault(alias, entry.get("value") if isinstance(entry, dict) else entry)
    flat.setdefault("points", contact.get("points"))
    return flat


def _event(kind: str, item: dict[str, Any], activity: str, mappings: MauticMappings,
           received_at: datetime) -> EngagementEvent:
    subject = next((item[k] for k in _SUBJECTS if isinstance(item.get(k), dict)), None)
    contact = next((c for c in (item.get("contact"), item.get("lead"), lookup(subject, "lead"),
                                lookup(subject, "contact")) if isinstance(c, dict)), {})
    fields = contact_fields(contact)
    email = (clean_email(fields.get(mappings.email_field)) or clean_email(lookup(subject, "emailAddress"))
             or clean_email(lookup(subject, "results.email")))
    own_id, stamp = text(lookup(subject or contact, "id")), text(item.get("timestamp"))
    # Mautic redelivers a queued item unchanged, so its own id and timestamp name it; a contact
    # saved twice, or an email opened twice, differ in the timestamp.
    event_id = f"{kind}:{own_id}:{stamp}" if own_id and stamp else f"{kind}:{content_hash(item)}"
    occurred_at = first_time(item.get("timestamp"), lookup(subject, "dateSubmitted"), lookup(subject, "dateHit"),
                             lookup(subject, "dateRead"), default=received_at)
    return engagement_event(
        SOURCE, event_id, source=SOURCE, activity=activity, occurred_at=occurred_at, email=email,
        external_id=text(contact.get("id")),
        url=text(lookup(subject, "url")) or text(lookup(subject, "referer")),
        form=text(lookup(subject, "form.name")),
        campaign=text(lookup(subject, "query.utm_campaign")) or text(lookup(subject, "email.utmTags.utmCampaign")),
        attributes=mapped_attributes(fields, mappings.fields),
    )


def map_mautic(body: Any, mappings: MauticMappings, received_at: datetime) -> Mapped:
    """Every item of every event type in one request, as engagement events or skipped with a reason."""
    if not isinstance(body, dict):
        raise MalformedBody("a Mautic webhook body is a JSON object keyed by event type")
    items = [(kind, i, item) for kind, batch in body.items() if isinstance(batch, list)
             for i, item in enumerate(batch)]
    if not items:
        raise EmptyBatch("the request carries no Mautic events")
    mapped = Mapped()
    for kind, index, item in items:
        where = f"{kind}[{index}]"
        activity = mappings.events.get(kind)
        if activity is None:
            mapped.skip(where, f"event type {kind!r} is not mapped")
        elif not isinstance(item, dict):
            mapped.skip(where, "an item must be an object")
        else:
            try:
                mapped.events.append(_event(kind, item, activity, mappings, received_at))
            except ValueError as exc:
                mapped.skip(where, reason_of(exc))
    return mapped
