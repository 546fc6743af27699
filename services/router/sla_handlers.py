"""What a due SLA timer does: warn, breach, escalate, reassign or give the lead up as unworked."""

import logging

import asyncpg

from schemas.events import FollowupStatus, LeadFollowup, LeadQualified
from services.router.adapters.followup import FollowupRepository
from services.router.adapters.repository import RouterRepository
from services.router.adapters.routing_state import RoutingStateRepository
from services.router.domain.sla import breach_action, sla_tier
from services.router.handlers import RoutingContext, followup_message, reassign

log = logging.getLogger(__name__)


def _running(timer: asyncpg.Record) -> bool:
    """Whether the step the timer watches is still undone (else the timer is moot)."""
    if timer["status"] != "open":
        return False
    if timer["kind"] == "accept_breach":
        return timer["outcome"] is None
    return timer["first_touched_at"] is None


def _step(ctx: RoutingContext, timer: asyncpg.Record, status: FollowupStatus, **extra):
    data = LeadFollowup(
        lead_key=timer["lead_key"], assignment_id=timer["assignment_id"], rep_id=timer["rep_id"], status=status,
        occurred_at=ctx.now(), tier=timer["tier"], agreement_version=timer["agreement_version"], **extra)
    return followup_message(ctx, timer["timer_id"], data)


async def timer_due(repo: RouterRepository, state: RoutingStateRepository, followups: FollowupRepository,
                    timer: asyncpg.Record, ctx: RoutingContext) -> bool:
    """Fires one claimed timer inside the caller's transaction; False when it was moot."""
    at = ctx.now()
    if not _running(timer):
        await followups.finish_timer(timer["timer_id"], at, fired=False)
        return False
    active = ctx.agreement()
    target = sla_tier(active.document if active else None, timer["tier"])
    due = timer["first_touch_due_at"]
    if timer["kind"] == "warning":
        total = len(target.warn_at) if target else timer["seq"]
        await repo.add_outbox([_step(ctx, timer, FollowupStatus.SLA_WARNING, sla_due_at=due,
                                     reason=f"first touch due; warning {timer['seq']} of {total}")])
    elif timer["kind"] == "accept_breach":
        messages = [_step(ctx, timer, FollowupStatus.SLA_BREACHED, reason="accept_target")]
        if target is None or target.on_breach.escalate:
            messages.append(_step(ctx, timer, FollowupStatus.ESCALATED, manager_id=timer["manager_id"],
                                  reason="accept_target"))
        await repo.add_outbox(messages)
    else:
        await _first_touch_breached(repo, state, followups, timer, ctx, breach_action(target, timer["attempt"]))
    await followups.finish_timer(timer["timer_id"], at, fired=True)
    return True


async def _first_touch_breached(repo, state, followups, timer, ctx, action) -> None:
    """Breach, then escalate to the manager, then reassign (up to the tier's limit) or give up."""
    at = ctx.now()
    escalated_to = timer["manager_id"] if action.escalate else None
    await followups.mark_breached(timer["assignment_id"], at, escalated_to)
    messages = [_step(ctx, timer, FollowupStatus.SLA_BREACHED, sla_due_at=timer["first_touch_due_at"],
                      reason="first_touch_target")]
    if action.escalate:
        messages.append(_step(ctx, timer, FollowupStatus.ESCALATED, manager_id=escalated_to,
                              reason="first_touch_target" if escalated_to else "first_touch_target; rep has no manager"))
    await repo.add_outbox(messages)
    if action.reassign and timer["qualification"]:
        qualification = LeadQualified.model_validate(timer["qualification"])
        await reassign(repo, state, qualification, timer["qualification_id"], "sla_breached", ctx)
        return
    await followups.mark_unworked(timer["assignment_id"], at)
    await repo.add_outbox([_step(ctx, timer, FollowupStatus.UNWORKED, reason="first touch never came")])
