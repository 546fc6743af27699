"""The scorer's one wiring point: app factory and lifespan."""

from datetime import timedelta

import asyncpg
from fastapi import FastAPI

from schemas.topics import Topic
from services.scorer import handlers
from services.scorer.adapters.active_agreement import ActiveAgreement, watch_active_agreement
from services.scorer.adapters.repository import ScorerRepository
from services.scorer.adapters.scores import ScoresRepository
from services.scorer.fit_cache import FitCache
from services.scorer.config import CONSUMER_GROUP, FOLLOWUP_GROUP, SCHEMA, ScorerSettings
from services.scorer.entrypoints.agreements_api import agreements_router
from services.scorer.entrypoints.ingest import ingest_router, post_events
from services.scorer.entrypoints.leads_api import leads_router
from services.scorer.entrypoints.webhooks import webhooks_router
from services.scorer.integrations.mappings import load_mappings
from services.scorer.retention import RetentionJob
from services.shared.app import create_service_app
from services.shared.config import load_settings
from services.shared.direct import DirectRoutes
from services.shared.runtime import ConsumerSpec, Runtime


def engagement_handler(settings: ScorerSettings, agreement: ActiveAgreement):
    """The batch handler the consumer loop calls inside its transaction."""
    ctx = handlers.ScoringContext(
        qualified_topic=settings.topic(Topic.QUALIFIED), source=settings.event_source,
        agreement=lambda: agreement.current, horizon=timedelta(days=settings.scoring_horizon_days),
        fit_cache=FitCache(),
    )

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await handlers.engagement_recorded(ScorerRepository(conn), ScoresRepository(conn), events, ctx)

    return handle


def followup_handler(agreement: ActiveAgreement):
    """The follow-up batch handler; the recycle rules are the active version's at each batch."""

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await handlers.followup_recorded(ScorerRepository(conn), events, agreement.current)

    return handle


def create_app(settings: ScorerSettings | None = None) -> FastAPI:
    """The scorer's HTTP app; its lifespan runs the consumers, the relay and the agreement watcher."""
    settings = settings or load_settings(ScorerSettings)
    mappings = load_mappings(settings.integration_mappings)  # a bad file stops the start, naming the path

    async def on_start(app: FastAPI, runtime: Runtime) -> None:
        await watch_active_agreement(app, runtime, settings.agreement_poll_s)
        retention = RetentionJob(runtime.pool, timedelta(days=settings.engagement_retention_days))
        runtime.spawn(retention.run(), "retention", stop=retention.stop)

    app = create_service_app(
        title="Handoff scorer", settings=settings, schema=SCHEMA, on_start=on_start,
        consumers=lambda app, runtime: [
            ConsumerSpec(CONSUMER_GROUP, Topic.ENGAGEMENT, engagement_handler(settings, app.state.agreement),
                         lanes=settings.scoring_lanes),
            ConsumerSpec(FOLLOWUP_GROUP, Topic.FOLLOWUP, followup_handler(app.state.agreement), gathers=True)],
        routers=[ingest_router(), agreements_router(), leads_router(), webhooks_router(mappings)],
    )
    app.add_middleware(DirectRoutes, routes={("POST", "/v1/events"): post_events})
    return app
