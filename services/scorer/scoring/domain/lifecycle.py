"""Where a lead stands between marketing and sales, and what a follow-up step changes. Pure.

new -> engaged -> sales_ready -> routed -> touched -> accepted -> converted -> won | lost, with
disqualified beside engaged. A rejected lead that the router recycles goes back to nurture as
`recycled`: not qualified, with the recycle's time, count, cooldown and engagement reset.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from schemas.events import FollowupStatus, LeadFollowup
from services.agreement.handoff_sections import Recycle

QUALIFIED_STAGES = ("sales_ready", "routed", "touched", "accepted", "converted", "won", "lost")
# Follow-up steps only ever move a lead up this order; a late or repeated step moves nothing.
RANK = {"new": 0, "engaged": 1, "disqualified": 1, "recycled": 1, "sales_ready": 2, "routed": 3,
        "touched": 4, "accepted": 5, "converted": 6, "won": 7, "lost": 7}
STAGE_OF = {
    FollowupStatus.ASSIGNED: "routed",
    FollowupStatus.TOUCHED: "touched",
    FollowupStatus.ACCEPTED: "accepted",
    FollowupStatus.CONVERTED: "converted",
    FollowupStatus.WON: "won",
    FollowupStatus.LOST: "lost",
}


class _Timed(Protocol):
    @property
    def occurred_at(self) -> datetime: ...


T = TypeVar("T", bound=_Timed)  # a touch: anything with an event time


@dataclass(frozen=True)
class LeadStage:
    """The lifecycle columns of one lead."""

    lead_key: str
    lifecycle: str
    qualified_at: datetime | None = None
    recycled_at: datetime | None = None
    recycle_count: int = 0
    engagement_since: datetime | None = None  # touches at or before it no longer count
    requalify_after: datetime | None = None  # no new qualification before it


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stale_recycle(stage: LeadStage, at: datetime) -> bool:
    # Older than the current qualification: it recycled an earlier one (a redelivery, or out of order).
    if stage.qualified_at is not None and _aware(at) < _aware(stage.qualified_at):
        return True
    return stage.recycled_at is not None and _aware(at) <= _aware(stage.recycled_at)


def recycle(stage: LeadStage, at: datetime, policy: Recycle) -> LeadStage:
    """The lead back in nurture from `at`, as the agreement's recycle section says; unchanged if stale."""
    if _stale_recycle(stage, at):
        return stage
    return replace(
        stage, lifecycle="recycled", qualified_at=None, recycled_at=at, recycle_count=stage.recycle_count + 1,
        # Without a reset, an earlier reset still holds: what it excluded does not count again.
        engagement_since=at if policy.reset_engagement else stage.engagement_since,
        requalify_after=at + timedelta(days=policy.requalify_after_days),
    )


def follow(stage: LeadStage, step: LeadFollowup, policy: Recycle) -> LeadStage:
    """The lead after one follow-up step: recycled, moved forward, or unchanged."""
    if step.status == FollowupStatus.RECYCLED:
        return recycle(stage, step.occurred_at, policy)
    target = STAGE_OF.get(step.status)
    if target is None or RANK[target] <= RANK.get(stage.lifecycle, 0):
        return stage
    if stage.lifecycle == "recycled":
        # In nurture no assignment is open: any step is a late one of the assignment the recycle ended
        # (the rejection that recycled it also counted as the first touch, at the same instant).
        return stage
    if stage.recycled_at is not None and _aware(step.occurred_at) <= _aware(stage.recycled_at):
        return stage  # a late step of the assignment the recycle ended
    return replace(stage, lifecycle=target)


def follow_all(stage: LeadStage, steps: Iterable[LeadFollowup], policy: Recycle) -> LeadStage:
    """The lead after `steps` in event-time order (ties keep their order: rejected, then recycled)."""
    for step in sorted(steps, key=lambda s: _aware(s.occurred_at)):
        stage = follow(stage, step, policy)
    return stage


def counted(touches: Iterable[T], since: datetime | None) -> list[T]:
    """The touches that count toward the next qualification: those after the recycle that reset engagement."""
    if since is None:
        return list(touches)
    return [t for t in touches if _aware(t.occurred_at) > _aware(since)]


def may_qualify(lifecycle: str, qualified_at: datetime | None, requalify_after: datetime | None,
                at: datetime) -> bool:
    """Whether a lead that is over the line at `at` is handed over: not qualified yet, and past any cooldown."""
    if qualified_at is not None or lifecycle in QUALIFIED_STAGES:
        return False
    return requalify_after is None or _aware(at) >= _aware(requalify_after)
