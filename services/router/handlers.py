"""Router message handlers: one async function per message kind."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events import FollowupStatus, LeadFollowup, LeadQualified, LeadRouted
from schemas.messages import FollowupEvent, QualifiedEvent, RoutedEvent
from services.router.adapters.repository import NewAssignment, RouterRepository
from services.router.adapters.routing_state import RoutingStateRepository
from services.router.deciding import decide_for
from services.router.domain.domains import lead_domains
from services.router.domain.routing import Decision, LeadFacts
from services.router.domain.sla import SlaPlan, plan_sla
from services.shared.ids import derived_id
from services.shared.outbox import OutboxMessage


@dataclass(frozen=True)
class RoutingContext:
    """What the handler needs besides the repositories: names, pool and the clock."""

    routed_topic: str
    followup_topic: str
    source: str
    default_pool: str
    now: Callable[[], datetime]
    agreement: Callable[[], Any] = lambda: None  # the active Versioned agreement, if any


def lead_facts(q: LeadQualified) -> LeadFacts:
    return LeadFacts(lead_key=q.lead_key, email=q.email, attributes=q.attributes, tier=q.tier, source=q.source,
                     campaign=q.campaign, fit_score=q.fit_score, engagement_score=q.engagement_score)


def followup_message(ctx: RoutingContext, input_key: str, data: LeadFollowup) -> OutboxMessage:
    event = FollowupEvent(id=derived_id(input_key, f"followup:{data.status}"), source=ctx.source,
                          subject=data.lead_key, time=data.occurred_at, data=data)
    return OutboxMessage(ctx.followup_topic, data.lead_key, event)


async def _plan(state: RoutingStateRepository, ctx: RoutingContext, tier: str, rep_id: str,
                at: datetime) -> SlaPlan | None:
    """The SLA clock under the active agreement, in the rep's business time."""
    active = ctx.agreement()
    if active is None:
        return None
    return plan_sla(active.document, tier, await state.rep_time_zone(rep_id), at)


async def _assign(repo: RouterRepository, assignment: NewAssignment, plan: SlaPlan | None) -> bool:
    """Stores the assignment and starts its SLA timers; False when it existed already."""
    if not await repo.insert_assignment(assignment):
        return False
    if plan is not None:
        await repo.insert_timers(assignment.assignment_id, plan.timers)
    return True


def _explain(decision: Decision, rules_version: int | None) -> dict:
    return {**decision.explain(), "rules_version": rules_version}


async def lead_qualified(repo: RouterRepository, state: RoutingStateRepository,
                         events: Sequence[QualifiedEvent], ctx: RoutingContext) -> None:
    """Assigns each qualified lead once, or parks it in overflow, and says so on the topics.

    Decisions are made one by one (each moves the rotation); the assignments, their SLA timers
    and the events are written together at the end, set-based.
    """
    taken = await repo.handled_qualifications([e.id for e in events])
    fresh = [e for e in events if e.id not in taken]
    await state.prefetch_accounts({d for e in fresh for d in lead_domains(e.data.email, e.data.attributes)})
    overflow: list[OutboxMessage] = []
    decided: list[tuple[NewAssignment, SlaPlan | None, list[OutboxMessage]]] = []
    for event in fresh:
        q, at = event.data, ctx.now()
        decision, rules_version = await decide_for(state, lead_facts(q), at, default_pool=ctx.default_pool,
                                                   lock=True)
        if decision.rep_id is None:
            if await repo.queue_overflow(event.id, q.lead_key, decision.pool_id, q.tier, at,
                                         _explain(decision, rules_version)):
                overflow.append(followup_message(ctx, event.dedupe_key, LeadFollowup(
                    lead_key=q.lead_key, status=FollowupStatus.OVERFLOW, occurred_at=at, tier=q.tier,
                    agreement_version=q.agreement_version, reason=decision.overflow_reason)))
            continue
        plan = await _plan(state, ctx, q.tier, decision.rep_id, at)
        due = plan.first_touch_due if plan else None
        assignment = NewAssignment(
            assignment_id=derived_id(event.dedupe_key, "assignment"), qualification_id=event.id,
            lead_key=q.lead_key, rep_id=decision.rep_id, pool_id=decision.pool_id, rule=decision.rule,
            tier=q.tier, agreement_version=q.agreement_version, routed_at=at,
            decision=_explain(decision, rules_version), account_id=decision.account_id, first_touch_due_at=due,
            accept_due_at=plan.accept_due if plan else None, qualification=q.model_dump(mode="json"),
        )
        if decision.rotation and decision.rotation.updated and decision.pool_id:
            await state.save_rotation(decision.pool_id, decision.rotation.updated, decision.rotation.virtual_time)
        state.assigned(decision.rep_id)
        decided.append((assignment, plan, [
            OutboxMessage(ctx.routed_topic, q.lead_key, RoutedEvent(
                id=derived_id(event.dedupe_key, "routed"), source=ctx.source, subject=q.lead_key, time=at,
                data=LeadRouted(
                    lead_key=q.lead_key, assignment_id=assignment.assignment_id, qualification_id=event.id,
                    rep_id=decision.rep_id, pool_id=decision.pool_id, rule=decision.rule, tier=q.tier,
                    agreement_version=q.agreement_version, routed_at=at, sla_due_at=due))),
            followup_message(ctx, event.dedupe_key, LeadFollowup(
                lead_key=q.lead_key, assignment_id=assignment.assignment_id, rep_id=decision.rep_id,
                status=FollowupStatus.ASSIGNED, occurred_at=at, tier=q.tier,
                agreement_version=q.agreement_version))]))
    # Another replica may have won a qualification meanwhile (a rebalance): only what we inserted is announced.
    inserted = await repo.insert_assignments([a for a, _, _ in decided])
    await repo.insert_timers_of({a.assignment_id: plan.timers for a, plan, _ in decided
                                 if plan is not None and a.qualification_id in inserted})
    await state.flush()
    await repo.add_outbox([*overflow, *(m for a, _, msgs in decided if a.qualification_id in inserted for m in msgs)])


async def reassign(repo: RouterRepository, state: RoutingStateRepository, qualification: LeadQualified,
                   qualification_id: str, reason: str, ctx: RoutingContext) -> str | None:
    """Moves an open assignment to another rep through the same decision, excluding every earlier
    assignee; returns the new rep, or None when nobody else can take it (the lead then overflows)."""
    current = await repo.open_assignment(qualification_id)
    if current is None:
        return None
    at, attempt = ctx.now(), current["attempt"] + 1
    decision, rules_version = await decide_for(state, lead_facts(qualification), at, default_pool=ctx.default_pool,
                                               lock=True, exclude=frozenset(current["assignees"]))
    step_key = f"{qualification_id}#attempt{attempt}"
    await repo.close_assignment(current["assignment_id"], "reassigned")
    q = qualification
    if decision.rep_id is None:
        await repo.queue_overflow(f"{qualification_id}#attempt{attempt}", q.lead_key, decision.pool_id, q.tier, at,
                                  _explain(decision, rules_version))
        await repo.add_outbox([followup_message(ctx, step_key, LeadFollowup(
            lead_key=q.lead_key, status=FollowupStatus.OVERFLOW, occurred_at=at, tier=q.tier,
            agreement_version=q.agreement_version, previous_rep_id=current["rep_id"],
            reason=decision.overflow_reason))])
        return None
    plan = await _plan(state, ctx, q.tier, decision.rep_id, at)
    assignment = NewAssignment(
        assignment_id=derived_id(step_key, "assignment"), qualification_id=qualification_id, lead_key=q.lead_key,
        rep_id=decision.rep_id, pool_id=decision.pool_id, rule=decision.rule, tier=q.tier,
        agreement_version=q.agreement_version, routed_at=at, decision=_explain(decision, rules_version),
        account_id=decision.account_id, attempt=attempt, first_touch_due_at=plan.first_touch_due if plan else None,
        accept_due_at=plan.accept_due if plan else None, qualification=q.model_dump(mode="json"))
    await _assign(repo, assignment, plan)
    if decision.rotation and decision.rotation.updated and decision.pool_id:
        await state.save_rotation(decision.pool_id, decision.rotation.updated, decision.rotation.virtual_time)
    await repo.add_outbox([followup_message(ctx, step_key, LeadFollowup(
        lead_key=q.lead_key, assignment_id=assignment.assignment_id, rep_id=decision.rep_id,
        status=FollowupStatus.REASSIGNED, occurred_at=at, tier=q.tier, agreement_version=q.agreement_version,
        previous_rep_id=current["rep_id"], reason=reason))])
    return decision.rep_id
