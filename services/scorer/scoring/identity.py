"""Which lead an engagement event belongs to: email first, then linked tool ids."""

from collections.abc import Sequence

from schemas.messages import EngagementEvent
from services.scorer.scoring.ports import ScoreStore


async def resolve_lead_keys(scores: ScoreStore, events: Sequence[EngagementEvent]) -> dict[str, str]:
    """Event key -> lead key; links tool ids to emails and merges anonymous leads into them."""
    anonymous = {(e.data.source, e.data.external_id) for e in events if not e.data.email and e.data.external_id}
    linked = await scores.known_identities(anonymous)
    keys: dict[str, str] = {}
    for e in events:
        d = e.data
        if d.email:
            keys[e.dedupe_key] = d.email.strip().lower()
        elif d.external_id is not None:
            keys[e.dedupe_key] = linked.get((d.source, d.external_id), d.lead_key)
        else:  # no tool id that could be linked
            keys[e.dedupe_key] = d.lead_key
    return keys


async def link_identities(scores: ScoreStore, events: Sequence[EngagementEvent]) -> list[str]:
    """Links (source, external id) of events that carry an email; returns the leads that took in an
    anonymous lead's history (each must be rebuilt)."""
    merged: list[str] = []
    seen: set[tuple[str, str]] = set()
    for e in events:
        d = e.data
        if not (d.email and d.external_id) or (d.source, d.external_id) in seen:
            continue
        seen.add((d.source, d.external_id))
        email_key = d.email.strip().lower()
        old_key = await scores.link_identity(d.source, d.external_id, email_key)
        if old_key and old_key != email_key and await scores.merge_lead(old_key, email_key):
            merged.append(email_key)
    return merged
