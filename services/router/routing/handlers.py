"""Routing's message handlers: a qualified lead is assigned (or parked in overflow), a breached one
reassigned, each through the same decision and announced on the topics."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from schemas.events import FollowupStatus, LeadFollowup, LeadQualified, LeadRouted
from schemas.messages import QualifiedEvent, RoutedEvent
from services.agreement.account_sections import KeyAccounts
from services.agreement.domains import lead_domains
from services.router.events import RoutingContext, followup_message
from services.router.routing.deciding import decide_for
from services.router.routing.domain.pingpong import excluded_on_reassign
from services.router.routing.domain.routing import Decision, LeadFacts
from services.router.routing.ports import Assignments, BatchState, RoutingState
from services.router.routing.store import NewAssignment
from services.router.sla.domain.plan import SlaPlan, plan_sla, sla_tier
from services.shared.ids import derived_id
from services.shared.outbox import OutboxMessage


@dataclass(frozen=True)
class Routed:
    """One decided assignment, its SLA clock and the events that announce it."""

    assignment: NewAssignment
    plan: SlaPlan | None
    messages: tuple[OutboxMessage, ...]


def lead_facts(q: LeadQualified) -> LeadFacts:
    return LeadFacts(lead_key=q.lead_key, email=q.email, attributes=q.attributes, tier=q.tier, source=q.source,
                     campaign=q.campaign, fit_score=q.fit_score, engagement_score=q.engagement_score,
                     qualified_at=q.qualified_at)


def _key_accounts(ctx: RoutingContext) -> KeyAccounts | None:
    active = ctx.agreement()
    return active.document.key_accounts if active else None


def key_tier(q: LeadQualified, decision: Decision, keys: KeyAccounts | None) -> LeadQualified:
    """The qualification as routed: a key account's lead in the agreement's key-account SLA tier."""
    if decision.key_account is None or keys is None or keys.sla_tier is None or q.tier == keys.sla_tier:
        return q
    return q.model_copy(update={"tier": keys.sla_tier})


async def plan_for(state: RoutingState, ctx: RoutingContext, tier: str, rep_id: str, at: datetime) -> SlaPlan | None:
    """The SLA clock under the active agreement, in the rep's business time."""
    active = ctx.agreement()
    if active is None:
        return None
    return plan_sla(active.document, tier, await state.rep_time_zone(rep_id), at)


def explain(decision: Decision, rules_version: int | None) -> dict[str, Any]:
    return {**decision.explain(), "rules_version": rules_version}


def new_assignment(step_key: str, qualification_id: str, q: LeadQualified, decision: Decision,
                   rules_version: int | None, plan: SlaPlan | None, at: datetime, attempt: int = 1) -> NewAssignment:
    """The assignment a decision makes; its id derives from the step that caused it."""
    assert decision.rep_id is not None
    return NewAssignment(
        assignment_id=derived_id(step_key, "assignment"), qualification_id=qualification_id, lead_key=q.lead_key,
        rep_id=decision.rep_id, pool_id=decision.pool_id, rule=decision.rule, tier=q.tier,
        agreement_version=q.agreement_version, routed_at=at, decision=explain(decision, rules_version),
        account_id=decision.account_id, attempt=attempt, first_touch_due_at=plan.first_touch_due if plan else None,
        accept_due_at=plan.accept_due if plan else None, qualification=q.model_dump(mode="json"))


def routed_messages(ctx: RoutingContext, step_key: str, q: LeadQualified,
                    a: NewAssignment) -> tuple[OutboxMessage, ...]:
    """`handoff.lead.routed` for the CRM and the `assigned` follow-up."""
    routed = RoutedEvent(id=derived_id(step_key, "routed"), source=ctx.source, subject=q.lead_key, time=a.routed_at,
                         data=LeadRouted(
                             lead_key=q.lead_key, assignment_id=a.assignment_id, qualification_id=a.qualification_id,
                             rep_id=a.rep_id, pool_id=a.pool_id, rule=a.rule, tier=q.tier,
                             agreement_version=q.agreement_version, routed_at=a.routed_at,
                             sla_due_at=a.first_touch_due_at))
    assigned = followup_message(ctx, step_key, LeadFollowup(
        lead_key=q.lead_key, assignment_id=a.assignment_id, rep_id=a.rep_id, status=FollowupStatus.ASSIGNED,
        occurred_at=a.routed_at, tier=q.tier, agreement_version=q.agreement_version))
    return OutboxMessage(ctx.routed_topic, q.lead_key, routed), assigned


def overflow_message(ctx: RoutingContext, step_key: str, q: LeadQualified, decision: Decision, at: datetime,
                     previous_rep_id: str | None = None) -> OutboxMessage:
    """The `overflow` follow-up: nobody could take the lead, and why."""
    return followup_message(ctx, step_key, LeadFollowup(
        lead_key=q.lead_key, status=FollowupStatus.OVERFLOW, occurred_at=at, tier=q.tier,
        agreement_version=q.agreement_version, previous_rep_id=previous_rep_id, reason=decision.overflow_reason))


async def save_rotation(state: RoutingState, decision: Decision) -> None:
    if decision.rotation and decision.rotation.updated and decision.pool_id:
        await state.save_rotation(decision.pool_id, decision.rotation.updated, decision.rotation.virtual_time)


async def lead_qualified(repo: Assignments, state: BatchState, events: Sequence[QualifiedEvent],
                         ctx: RoutingContext) -> None:
    """Assigns each qualified lead once, or parks it in overflow, and says so on the topics.

    Decisions are made one by one (each moves the rotation); the assignments, their SLA timers
    and the events are written together at the end, set-based.
    """
    taken = await repo.handled_qualifications([e.id for e in events])
    fresh = [e for e in events if e.id not in taken]
    await state.prefetch_accounts({d for e in fresh for d in lead_domains(e.data.email, e.data.attributes)})
    overflow: list[OutboxMessage] = []
    decided: list[Routed] = []
    keys = _key_accounts(ctx)
    for event in fresh:
        q, at, step_key = event.data, ctx.now(), event.dedupe_key
        decision, rules_version = await decide_for(state, lead_facts(q), at, default_pool=ctx.default_pool,
                                                   lock=True, key_accounts=keys)
        if decision.account_review is not None:
            await repo.queue_account_review(event.id, q.lead_key, decision.account_review, at)
        q = key_tier(q, decision, keys)
        if decision.rep_id is None:
            if await repo.queue_overflow(event.id, q.lead_key, decision.pool_id, q.tier, at,
                                         explain(decision, rules_version), decision.retry_at,
                                         q.model_dump(mode="json")):
                overflow.append(overflow_message(ctx, step_key, q, decision, at))
            continue
        plan = await plan_for(state, ctx, q.tier, decision.rep_id, at)
        assignment = new_assignment(step_key, event.id, q, decision, rules_version, plan, at)
        await save_rotation(state, decision)
        state.assigned(decision.rep_id, decision.account_id)
        decided.append(Routed(assignment, plan, routed_messages(ctx, step_key, q, assignment)))
    # Another replica may have won a qualification meanwhile (a rebalance): only what we inserted is announced.
    inserted = await repo.insert_assignments([r.assignment for r in decided])
    won = [r for r in decided if r.assignment.qualification_id in inserted]
    await repo.insert_timers_of({r.assignment.assignment_id: r.plan.timers for r in won if r.plan is not None})
    await state.flush()
    await repo.add_outbox([*overflow, *(m for r in won for m in r.messages)])


async def reassign(repo: Assignments, state: RoutingState, qualification: LeadQualified,
                   qualification_id: str, reason: str, ctx: RoutingContext) -> str | None:
    """Moves an open assignment to another rep through the same decision, excluding the earlier
    assignees the ping-pong guard names; returns the new rep, or None when nobody else can take it
    (the lead then overflows)."""
    current = await repo.open_assignment(qualification_id)
    if current is None:
        return None
    q, at, attempt = qualification, ctx.now(), current.attempt + 1
    active = ctx.agreement()
    exclusion = excluded_on_reassign(sla_tier(active.document if active else None, q.tier), current.rep_id,
                                     current.assignees, current.lead_recent)
    keys = _key_accounts(ctx)
    decision, rules_version = await decide_for(state, lead_facts(q), at, default_pool=ctx.default_pool,
                                               lock=True, exclude=exclusion.reps, key_accounts=keys)
    q = key_tier(q, decision, keys)
    step_key = f"{qualification_id}#attempt{attempt}"
    await repo.close_assignment(current.assignment_id, "reassigned")
    explained = {**explain(decision, rules_version), "excluded": sorted(exclusion.reps),
                 "exclude_last": exclusion.last_n, "reassigned_because": reason}
    if decision.rep_id is None:
        await repo.queue_overflow(step_key, q.lead_key, decision.pool_id, q.tier, at, explained)
        await repo.add_outbox([overflow_message(ctx, step_key, q, decision, at, previous_rep_id=current.rep_id)])
        return None
    plan = await plan_for(state, ctx, q.tier, decision.rep_id, at)
    assignment = replace(new_assignment(step_key, qualification_id, q, decision, rules_version, plan, at, attempt),
                         decision=explained)
    if await repo.insert_assignment(assignment) and plan is not None:
        await repo.insert_timers_of({assignment.assignment_id: plan.timers})
    await save_rotation(state, decision)
    await repo.add_outbox([followup_message(ctx, step_key, LeadFollowup(
        lead_key=q.lead_key, assignment_id=assignment.assignment_id, rep_id=decision.rep_id,
        status=FollowupStatus.REASSIGNED, occurred_at=at, tier=q.tier, agreement_version=q.agreement_version,
        previous_rep_id=current.rep_id, reason=reason))])
    return decision.rep_id
