"""Stepping the batch's leads: each lead's engine state, advanced by its new touches, or rebuilt from
its stored history once when the state cannot be stepped (DESIGN §8)."""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.agreement.active import Versioned
from services.scorer.scoring.domain.engine import LateTouch, LeadState, apply, build, empty, from_json
from services.scorer.scoring.domain.scoring import Touch
from services.scorer.scoring.ports import ScoreStore
from services.scorer.scoring.scores import LeadRow, TouchRow


@dataclass(frozen=True)
class Stepped:
    """The batch's leads after their touches: the state now, and the one stored before under this
    version (None when there was none: its account holds nothing of it yet)."""

    now: dict[str, LeadState]
    before: dict[str, LeadState | None]


def stored_touch(t: TouchRow) -> Touch:
    return Touch(t.event_key, t.activity, t.occurred_at, t.url, t.form, t.campaign)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stored_state(lead: LeadRow, version: int) -> LeadState | None:
    """The stored state when it was built under this version (what the lead's account holds of it)."""
    if lead.score_state is None or lead.score_state_version != version:
        return None
    return from_json(lead.score_state)


def scored_at(lead: LeadRow, state: LeadState) -> datetime:
    """What a lead is scored at: its latest event (the state's newest counted touch, or a later one
    that no longer counts)."""
    if state.newest is None:
        return lead.last_engaged_at
    return max(_aware(lead.last_engaged_at), datetime.fromtimestamp(state.newest[0] / 1e6, UTC))


def rebuild_reason(lead: LeadRow, version: int, created: bool, merged: bool) -> str | None:
    """Why this lead's stored state cannot be stepped (None: it can, or the lead is new)."""
    if merged:
        return "merge"  # an anonymous lead's history joined it
    if lead.score_state is None:
        return None if created else "missing"
    if lead.score_state_version != version:
        return "version"
    if lead.score_state_since != lead.engagement_since:
        return "recycle"
    return None


async def rebuild(scores: ScoreStore, active: Versioned, leads: Mapping[str, LeadRow],
                  keys: Collection[str]) -> dict[str, LeadState]:
    """States built from the stored history after each lead's engagement cut (one read for all)."""
    history = await scores.history({k: leads[k].engagement_since for k in keys})
    return {k: build(active.document, active.version, (stored_touch(t) for t in history.get(k, ()))) for k in keys}


async def step_states(scores: ScoreStore, active: Versioned, leads: Mapping[str, LeadRow],
                      fresh: Mapping[str, Sequence[Touch]], created: Collection[str], merged: Collection[str],
                      rebuilt: Callable[[str], None]) -> Stepped:
    """Applies each lead's new touches in order; a late one, or a state of another version, cut or
    history, rebuilds that lead instead (counted by reason)."""
    doc, version = active.document, active.version
    now: dict[str, LeadState] = {}
    before: dict[str, LeadState | None] = {}
    pending: dict[str, str] = {}
    for key, lead in leads.items():
        before[key] = stored_state(lead, version)
        reason = rebuild_reason(lead, version, key in created, key in merged)
        if reason is not None:
            pending[key] = reason
            continue
        # A copy of its own (`before` keeps the stored one): a state of this version and cut, or a new lead's.
        state = from_json(lead.score_state) if lead.score_state is not None else empty(version)
        since = _aware(lead.engagement_since) if lead.engagement_since else None
        try:
            for touch in fresh.get(key, ()):
                if since is None or _aware(touch.occurred_at) > since:  # a recycle's cut: older touches no longer count
                    apply(doc, state, touch)
        except LateTouch:
            pending[key] = "late"
            continue
        now[key] = state
    if pending:
        now.update(await rebuild(scores, active, leads, pending))
        for reason in pending.values():
            rebuilt(reason)
    return Stepped(now, before)
