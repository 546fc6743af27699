"""What a due SLA timer does: warn, breach, escalate, reassign or give the lead up as unworked."""

from typing import Any

from schemas.events import FollowupStatus, LeadFollowup, LeadQualified
from services.router.events import RoutingContext, followup_message
from services.router.sla.domain.plan import BreachAction, breach_action, sla_tier
from services.router.sla.ports import Reassign, Timers
from services.router.sla.store import DueTimer
from services.shared.outbox import OutboxMessage


def _running(timer: DueTimer) -> bool:
    """Whether the step the timer watches is still undone (else the timer is moot)."""
    held = timer.assignment
    if held.status != "open":
        return False
    if timer.kind == "accept_breach":
        return held.outcome is None
    return held.first_touched_at is None


def _step(ctx: RoutingContext, timer: DueTimer, status: FollowupStatus, **extra: Any) -> OutboxMessage:
    held = timer.assignment
    data = LeadFollowup(
        lead_key=held.lead_key, assignment_id=held.assignment_id, rep_id=held.rep_id, status=status,
        occurred_at=ctx.now(), tier=held.tier, agreement_version=held.agreement_version, **extra)
    return followup_message(ctx, timer.timer_id, data)


async def timer_due(timers: Timers, reassign: Reassign, timer: DueTimer, ctx: RoutingContext) -> bool:
    """Fires one claimed timer inside the caller's transaction; False when it was moot."""
    at = ctx.now()
    if not _running(timer):
        await timers.finish_timer(timer.timer_id, at, fired=False)
        return False
    active = ctx.agreement()
    target = sla_tier(active.document if active else None, timer.assignment.tier)
    if timer.kind == "warning":
        total = len(target.warn_at) if target else timer.seq
        await timers.add_outbox([_step(ctx, timer, FollowupStatus.SLA_WARNING,
                                       sla_due_at=timer.assignment.first_touch_due_at,
                                       reason=f"first touch due; warning {timer.seq} of {total}")])
    elif timer.kind == "accept_breach":
        messages = [_step(ctx, timer, FollowupStatus.SLA_BREACHED, reason="accept_target")]
        if target is None or target.on_breach.escalate:
            messages.append(_step(ctx, timer, FollowupStatus.ESCALATED, manager_id=timer.assignment.manager_id,
                                  reason="accept_target"))
        await timers.add_outbox(messages)
    else:
        await _first_touch_breached(timers, reassign, timer, ctx, breach_action(target, timer.assignment.attempt))
    await timers.finish_timer(timer.timer_id, at, fired=True)
    return True


async def _first_touch_breached(timers: Timers, reassign: Reassign, timer: DueTimer, ctx: RoutingContext,
                                action: BreachAction) -> None:
    """Breach, then escalate to the manager, set the rep unavailable after K misses in a row (where the
    pool opts in), then reassign (up to the tier's limit) or give up."""
    at, held = ctx.now(), timer.assignment
    escalated_to = held.manager_id if action.escalate else None
    await timers.mark_breached(held.assignment_id, at, escalated_to)
    messages = [_step(ctx, timer, FollowupStatus.SLA_BREACHED, sla_due_at=held.first_touch_due_at,
                      reason="first_touch_target")]
    if action.escalate:
        reason = "first_touch_target" if escalated_to else "first_touch_target; rep has no manager"
        messages.append(_step(ctx, timer, FollowupStatus.ESCALATED, manager_id=escalated_to, reason=reason))
    if (misses := await timers.hold_after_misses(held.assignment_id, held.rep_id, at)) is not None:
        messages.append(_step(ctx, timer, FollowupStatus.REP_UNAVAILABLE, manager_id=held.manager_id,
                              reason=f"missed {misses} first-touch SLAs in a row; a manager clears it"))
    await timers.add_outbox(messages)
    if action.reassign and held.qualification:
        await reassign(LeadQualified.model_validate(held.qualification), held.qualification_id, "sla_breached")
        return
    await timers.mark_unworked(held.assignment_id, at)
    await timers.add_outbox([_step(ctx, timer, FollowupStatus.UNWORKED, reason="first touch never came")])
