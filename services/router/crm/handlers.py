"""CRM activities close the loop: first touch against the SLA, outcomes, rejection -> recycled."""

from collections.abc import Sequence
from typing import Any

from schemas.events import CrmActivityRecorded, FollowupStatus, LeadFollowup
from schemas.messages import CrmActivityEvent
from services.router.crm.domain.activities import (
    CLOSING_STATUSES,
    DECIDING_STATUSES,
    currency_problems,
    followup_statuses,
    problems,
    supersedes,
)
from services.router.crm.ports import Activities
from services.router.events import RoutingContext, followup_message
from services.router.sla.domain.plan import business_hours, first_touch
from services.router.sla.ports import Timers
from services.router.sla.store import HeldAssignment
from services.shared.consumer import RecordRejected
from services.shared.outbox import OutboxMessage


def rejection_reasons(ctx: RoutingContext) -> tuple[str, ...] | None:
    """The agreement's list of acceptable rejection reasons; None (anything goes) without one."""
    active = ctx.agreement()
    return active.document.rejection_reasons if active else None


async def crm_activities(activities: Activities, timers: Timers, events: Sequence[CrmActivityEvent],
                         ctx: RoutingContext) -> None:
    """Applies each activity once (by activity id) to the assignment that held the lead at its time."""
    messages: list[OutboxMessage] = []
    known: set[str] | None = None  # the convertible currencies, read once a batch needs them
    for event in events:
        activity = event.data
        found = problems(activity, rejection_reasons(ctx), ctx.now(), ctx.clock_skew)
        if activity.currency is not None and not found:
            known = known if known is not None else {ctx.reporting_currency, *await activities.rated_currencies()}
            found = currency_problems(activity, known)
        if found:
            raise RecordRejected("; ".join(f"{field} {message}" for field, message in found))
        if activity.rep_id and not await activities.rep_exists(activity.rep_id):
            raise RecordRejected(f"unknown rep {activity.rep_id!r}")
        held = await activities.assignment_at(activity.lead_key, activity.occurred_at)
        if held is None:
            raise RecordRejected(f"unknown lead {activity.lead_key!r}: it was never routed")
        if not await activities.record_activity(activity, held.assignment_id):
            continue  # the same activity id again, by any path
        messages += await _touch(activities, timers, held, activity, ctx)
        messages += await _outcome(activities, timers, held, activity, ctx)
    await activities.add_outbox(messages)


def _step(ctx: RoutingContext, held: HeldAssignment, activity: CrmActivityRecorded, status: FollowupStatus,
          **extra: Any) -> OutboxMessage:
    data = LeadFollowup(
        lead_key=held.lead_key, assignment_id=held.assignment_id, rep_id=held.rep_id, status=status,
        occurred_at=activity.occurred_at, tier=held.tier, agreement_version=held.agreement_version,
        activity_id=activity.activity_id, **extra)
    return followup_message(ctx, f"crm#{activity.activity_id}", data)


async def _touch(activities: Activities, timers: Timers, held: HeldAssignment, activity: CrmActivityRecorded,
                 ctx: RoutingContext) -> list[OutboxMessage]:
    """The first thing a rep does with the lead (any activity) is its first touch."""
    earlier = held.first_touched_at
    if earlier is not None and earlier <= activity.occurred_at:
        return []
    active = ctx.agreement()
    hours = business_hours(active.document, held.time_zone) if active else None
    touch = first_touch(hours, held.routed_at, held.first_touch_due_at, activity.occurred_at)
    await activities.record_first_touch(held.assignment_id, activity.occurred_at, touch.business_minutes,
                                        touch.on_time)
    await timers.cancel_timers(held.assignment_id, ("warning", "breach"), ctx.now())
    if earlier is not None:
        return []  # an earlier touch reported late corrects the figures; the transition was announced
    return [_step(ctx, held, activity, FollowupStatus.TOUCHED, business_minutes_to_first_touch=touch.business_minutes,
                  on_time=touch.on_time, sla_due_at=held.first_touch_due_at)]


async def _outcome(activities: Activities, timers: Timers, held: HeldAssignment, activity: CrmActivityRecorded,
                   ctx: RoutingContext) -> list[OutboxMessage]:
    status = activity.status
    if status is None:
        return []
    if supersedes(status, activity.occurred_at, held.outcome, held.outcome_at):
        await activities.record_outcome(held.assignment_id, status, activity.reason, activity.occurred_at,
                                        close=status in CLOSING_STATUSES)
    if status in DECIDING_STATUSES:
        await activities.record_first_outcome(held.assignment_id, status, activity.reason, activity.occurred_at)
        await timers.cancel_timers(held.assignment_id, ("accept_breach",), ctx.now())
    if status in CLOSING_STATUSES:
        await timers.cancel_timers(held.assignment_id, ("warning", "breach", "accept_breach"), ctx.now())
    await activities.record_lead_outcome(held.lead_key, status, activity.reason, activity.occurred_at)
    return [_step(ctx, held, activity, s, reason=activity.reason, amount=activity.amount, currency=activity.currency)
            for s in followup_statuses(activity)]
