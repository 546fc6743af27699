"""A pool's choice for one lead: who can take it, the needed skills (relaxed when due), the pick. Pure.

Availability first (availability.py), then the lead's skill needs (skills.py), then the pool's
distribution (distribution.py). Optional needs are tried as if required; only when no available
rep meets them are those whose wait has passed dropped, and the pool chooses again.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.router.routing.domain.availability import UNKNOWN_REP, RepState, skip_reason
from services.router.routing.domain.decision import Considered, Decision
from services.router.routing.domain.distribution import LEAST_BUSY, ROUND_ROBIN, order, pick
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.skills import (
    MISSING_OPTIONAL_SKILL,
    MISSING_SKILL,
    Resolved,
    SkillNeed,
    meets,
    relaxable,
    relaxed_record,
    retry_at,
)


@dataclass(frozen=True)
class Pool:
    pool_id: str
    respect_working_hours: bool = False
    members: tuple[MemberState, ...] = ()
    virtual_time: float = 0.0
    distribution: str = ROUND_ROBIN  # or LEAST_BUSY (distribution.py)
    skills: tuple[SkillNeed, ...] = ()  # what every lead of this pool needs, besides its rule's needs


def reason(rep: RepState | None, at: datetime, working_hours: bool, exclude: Collection[str]) -> str | None:
    """Why the rep cannot take a lead now (UNKNOWN_REP when they are no rep any more), or None."""
    return UNKNOWN_REP if rep is None else skip_reason(rep, at, working_hours, exclude)


def _skill_reason(rep: RepState | None, required: Sequence[Resolved], optional: Sequence[Resolved]) -> str | None:
    if rep is None:
        return None
    if not all(meets(rep.skills, rep.languages, n) for n in required):
        return MISSING_SKILL
    if not all(meets(rep.skills, rep.languages, n) for n in optional):
        return MISSING_OPTIONAL_SKILL
    return None


def _choose(rule_id: str, pool: Pool, reps: Mapping[str, RepState], at: datetime, exclude: Collection[str],
            required: Sequence[Resolved], optional: Sequence[Resolved]) -> Decision:
    reasons = {m.rep_id: reason(reps.get(m.rep_id), at, pool.respect_working_hours, exclude)
               or _skill_reason(reps.get(m.rep_id), required, optional) for m in pool.members}
    least_busy = pool.distribution == LEAST_BUSY
    open_leads = {rep: state.open_count for rep, state in reps.items()} if least_busy else {}
    available = {rep for rep, why in reasons.items() if why is None}
    result = pick(pool.distribution, pool.members, pool.virtual_time, available, open_leads)
    considered: list[Considered] = []
    for member in order(pool.distribution, pool.members, pool.virtual_time, open_leads):
        load = open_leads.get(member.rep_id, 0) if least_busy else None
        considered.append(Considered(member.rep_id, reasons[member.rep_id], load))
        if member.rep_id == result.rep_id:
            break
    rotation = result if result.rep_id is not None else None  # overflow changes no rotation state
    return Decision(rule_id, pool.pool_id, result.rep_id, tuple(considered), rotation=rotation)


def from_pool(rule_id: str, pool: Pool, reps: Mapping[str, RepState], at: datetime, exclude: Collection[str],
              needs: Sequence[Resolved] = (), qualified_at: datetime | None = None) -> Decision:
    """The pool's decision for a lead with `needs`, relaxing optional ones whose wait has passed."""
    required = [n for n in needs if not n.need.optional]
    optional = [n for n in needs if n.need.optional]
    decision = _choose(rule_id, pool, reps, at, exclude, required, optional)
    relaxed: list[Resolved] = []
    since = qualified_at or at
    if decision.rep_id is None and optional and (relaxed := relaxable(optional, since, at)):
        decision = _choose(rule_id, pool, reps, at, exclude, required, [n for n in optional if n not in relaxed])
    if not needs:
        return decision
    skills: dict[str, Any] = {"required": [n.label for n in required], "optional": [n.label for n in optional],
                              "relaxed": [relaxed_record(n, since, at) for n in relaxed]}
    waiting = retry_at(optional, since, at) if decision.rep_id is None else None
    return replace(decision, skills=skills, retry_at=waiting)
