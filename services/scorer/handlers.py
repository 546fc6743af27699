"""Scorer message handlers: one async function per message kind."""

from collections.abc import Sequence

from schemas.events import LeadQualified, ScoreContribution
from schemas.messages import EngagementEvent, QualifiedEvent
from services.scorer.adapters.repository import QualificationMark, ScorerRepository
from services.scorer.domain.qualification import Qualification, qualify
from services.shared.ids import derived_id
from services.shared.outbox import OutboxMessage


async def engagement_recorded(
    repo: ScorerRepository,
    events: Sequence[EngagementEvent],
    *,
    qualified_topic: str,
    source: str,
) -> list[QualifiedEvent]:
    """Stores engagement, and qualifies leads whose activity makes them sales-ready."""
    await repo.record_engagements(events)
    triggers: dict[str, tuple[EngagementEvent, Qualification]] = {}
    for event in events:
        decision = qualify(event.data.activity)
        if decision is not None and event.data.lead_key not in triggers:
            triggers[event.data.lead_key] = (event, decision)
    if not triggers:
        return []
    open_keys = await repo.unqualified(triggers)
    emitted: list[QualifiedEvent] = []
    for key in sorted(open_keys):
        trigger, decision = triggers[key]
        data = trigger.data
        emitted.append(QualifiedEvent(
            id=derived_id(trigger.dedupe_key, "qualified"),
            source=source,
            subject=key,
            time=data.occurred_at,
            data=LeadQualified(
                lead_key=key, email=data.email and data.email.lower(), source=data.source,
                campaign=data.campaign, qualified_at=data.occurred_at, reason=decision.reason,
                tier=decision.tier,
                explanation=tuple(ScoreContribution(rule=c.rule, points=c.points)
                                  for c in decision.explanation),
                attributes=data.attributes,
            ),
        ))
    await repo.mark_qualified([
        QualificationMark(e.data.lead_key, e.id, e.data.qualified_at) for e in emitted
    ])
    await repo.add_outbox([OutboxMessage(qualified_topic, e.data.lead_key, e) for e in emitted])
    return emitted
