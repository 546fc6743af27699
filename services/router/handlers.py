"""Router message handlers: one async function per message kind."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from schemas.events import FollowupStatus, LeadFollowup, LeadRouted
from schemas.messages import FollowupEvent, QualifiedEvent, RoutedEvent
from services.router.adapters.repository import NewAssignment, RouterRepository
from services.router.domain.routing import choose_from_pool
from services.shared.ids import derived_id
from services.shared.outbox import OutboxMessage


@dataclass(frozen=True)
class RoutingContext:
    """What the handler needs besides the repository: names, pool and the clock."""

    routed_topic: str
    followup_topic: str
    source: str
    default_pool: str
    now: Callable[[], datetime]


def _followup(ctx: RoutingContext, input_key: str, data: LeadFollowup) -> OutboxMessage:
    event = FollowupEvent(id=derived_id(input_key, f"followup:{data.status}"), source=ctx.source,
                          subject=data.lead_key, time=data.occurred_at, data=data)
    return OutboxMessage(ctx.followup_topic, data.lead_key, event)


async def lead_qualified(repo: RouterRepository, events: Sequence[QualifiedEvent],
                         ctx: RoutingContext) -> None:
    """Assigns each qualified lead once, or parks it in overflow, and says so on the topics."""
    messages: list[OutboxMessage] = []
    for event in events:
        q = event.data
        at = ctx.now()
        decision = choose_from_pool(ctx.default_pool, await repo.pool_candidates(ctx.default_pool))
        if decision.rep_id is None:
            if await repo.queue_overflow(event.id, q.lead_key, decision.pool_id, q.tier, at,
                                         decision.explain()):
                messages.append(_followup(ctx, event.dedupe_key, LeadFollowup(
                    lead_key=q.lead_key, status=FollowupStatus.OVERFLOW, occurred_at=at, tier=q.tier,
                    agreement_version=q.agreement_version, reason="no rep available in pool")))
            continue
        assignment = NewAssignment(
            assignment_id=derived_id(event.dedupe_key, "assignment"), qualification_id=event.id,
            lead_key=q.lead_key, rep_id=decision.rep_id, pool_id=decision.pool_id,
            rule=decision.rule, tier=q.tier, agreement_version=q.agreement_version,
            routed_at=at, decision=decision.explain(),
        )
        if not await repo.insert_assignment(assignment):
            continue  # already assigned by an earlier delivery or another replica
        routed = RoutedEvent(
            id=derived_id(event.dedupe_key, "routed"), source=ctx.source, subject=q.lead_key, time=at,
            data=LeadRouted(
                lead_key=q.lead_key, assignment_id=assignment.assignment_id,
                qualification_id=event.id, rep_id=assignment.rep_id, pool_id=assignment.pool_id,
                rule=assignment.rule, tier=q.tier, agreement_version=q.agreement_version, routed_at=at,
            ),
        )
        messages.append(OutboxMessage(ctx.routed_topic, q.lead_key, routed))
        messages.append(_followup(ctx, event.dedupe_key, LeadFollowup(
            lead_key=q.lead_key, assignment_id=assignment.assignment_id, rep_id=assignment.rep_id,
            status=FollowupStatus.ASSIGNED, occurred_at=at, tier=q.tier,
            agreement_version=q.agreement_version)))
    await repo.add_outbox(messages)
