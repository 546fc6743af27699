"""The scorer's one wiring point: app factory and lifespan."""

import asyncpg
from fastapi import FastAPI

from schemas.topics import Topic
from services.scorer import handlers
from services.scorer.adapters.repository import ScorerRepository
from services.scorer.config import CONSUMER_GROUP, SCHEMA, ScorerSettings
from services.scorer.entrypoints.ingest import ingest_router
from services.shared.app import create_service_app
from services.shared.config import load_settings
from services.shared.runtime import ConsumerSpec


def engagement_handler(settings: ScorerSettings):
    """The batch handler the consumer loop calls inside its transaction."""
    qualified_topic = settings.topic(Topic.QUALIFIED)

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await handlers.engagement_recorded(
            ScorerRepository(conn), events, qualified_topic=qualified_topic,
            source=settings.event_source,
        )

    return handle


def create_app(settings: ScorerSettings | None = None) -> FastAPI:
    """The scorer's HTTP app; its lifespan runs the consumer and the outbox relay."""
    settings = settings or load_settings(ScorerSettings)
    return create_service_app(
        title="Handoff scorer", settings=settings, schema=SCHEMA,
        consumers=[ConsumerSpec(CONSUMER_GROUP, Topic.ENGAGEMENT, engagement_handler(settings))],
        routers=[ingest_router()],
    )
