"""What scoring gives bootstrap: GET /v1/leads/{key}/score, the engagement, intent and follow-up
consumers, and the retention and account-heat jobs."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import asyncpg
from fastapi import APIRouter
from prometheus_client import CollectorRegistry, Counter

from schemas.bounds import arrival_context
from schemas.messages import EngagementEvent, FollowupEvent, IntentEvent
from schemas.topics import Topic
from services.agreement.active import CurrentAgreement
from services.agreement.domains import registrable_domain
from services.scorer.config import CONSUMER_GROUP, FOLLOWUP_GROUP, INTENT_GROUP, ScorerSettings
from services.scorer.scoring import handlers
from services.scorer.scoring.account_heat import AccountHeatJob
from services.scorer.scoring.accounts_api import accounts_router
from services.scorer.scoring.api import Compare, leads_router
from services.scorer.scoring.buying_groups import BuyingGroupRepository
from services.scorer.scoring.fit_cache import FitCache
from services.scorer.scoring.intent import intent_recorded
from services.scorer.scoring.retention import RetentionJob
from services.scorer.scoring.scores import ScoresRepository
from services.scorer.scoring.store import ScorerRepository
from services.shared.consumer import BatchHandler
from services.shared.jobs import Job
from services.shared.runtime import ConsumerSpec
from services.shared.state import ServiceState


def routers(compare: Compare | None = None) -> list[APIRouter]:
    return [leads_router(compare) if compare else leads_router(), accounts_router()]


def engagement_handler(settings: ScorerSettings, agreement: CurrentAgreement,
                       registry: CollectorRegistry | None = None) -> BatchHandler:
    """The batch handler the consumer loop calls inside its transaction."""
    # The public-suffix trie (tldextract: about 17,000 objects) is built on first use. Built here, at
    # start-up, it is frozen with the rest (services/shared/app.py) instead of walked by every full
    # collection (about 10 ms each, over a hundred of them in the 200,000-event benchmark).
    registrable_domain("example.com")
    rebuilds = Counter("handoff_scorer_rebuilds", "Leads rebuilt from their stored history, by reason",
                       ["reason"], registry=registry)
    ctx = handlers.ScoringContext(
        qualified_topic=settings.topic(Topic.QUALIFIED), source=settings.event_source, agreement=agreement,
        fit_cache=FitCache(), rebuilt=lambda reason: rebuilds.labels(reason).inc(),
        account_topic=settings.topic(Topic.ACCOUNT_QUALIFIED))

    async def handle(conn: asyncpg.Connection, events: Sequence[EngagementEvent]) -> None:
        await handlers.engagement_recorded(ScorerRepository(conn), ScoresRepository(conn), events, ctx,
                                           BuyingGroupRepository(conn))

    return handle


def followup_handler(agreement: CurrentAgreement) -> BatchHandler:
    """The follow-up batch handler; the recycle rules are the active version's at each batch."""

    async def handle(conn: asyncpg.Connection, events: Sequence[FollowupEvent]) -> None:
        await handlers.followup_recorded(ScorerRepository(conn), events, agreement())

    return handle


async def _intent_handler(conn: asyncpg.Connection, events: Sequence[IntentEvent]) -> None:
    await intent_recorded(conn, events)


def consumers(settings: ScorerSettings, agreement: CurrentAgreement, state: ServiceState) -> list[ConsumerSpec]:
    def arrival() -> dict[str, Any]:  # an engagement dated 9999 would become its lead's scoring clock
        return arrival_context(state.clock(), settings.clock_skew)

    return [ConsumerSpec(CONSUMER_GROUP, Topic.ENGAGEMENT, engagement_handler(settings, agreement, state.registry),
                         lanes=settings.scoring_lanes, context=arrival),
            ConsumerSpec(FOLLOWUP_GROUP, Topic.FOLLOWUP, followup_handler(agreement), gathers=True),
            ConsumerSpec(INTENT_GROUP, Topic.INTENT, _intent_handler, gathers=True, context=arrival)]


def jobs(state: ServiceState, settings: ScorerSettings, agreement: CurrentAgreement) -> list[Job]:
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    return [RetentionJob(pool, timedelta(days=settings.engagement_retention_days)),
            AccountHeatJob(pool, agreement, state.clock, settings.account_heat_every_s)]
