"""The scorer's one wiring point: app factory and lifespan."""

from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from schemas.topics import Topic
from services.scorer import handlers
from services.scorer.adapters.repository import ScorerRepository
from services.scorer.config import CONSUMER_GROUP, SCHEMA, ScorerSettings
from services.scorer.entrypoints.ingest import ingest_router
from services.shared.auth import KeyRing
from services.shared.config import load_settings
from services.shared.errors import install_error_handlers
from services.shared.health import health_router, make_registry
from services.shared.runtime import ConsumerSpec, Runtime


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

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime = Runtime(settings, SCHEMA)
        app.state.runtime = runtime
        app.state.registry = make_registry(runtime)
        app.state.keys = KeyRing(settings.admin_key and settings.admin_key.get_secret_value())
        try:
            await runtime.start([ConsumerSpec(CONSUMER_GROUP, Topic.ENGAGEMENT, engagement_handler(settings))])
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="Handoff scorer", version="0.1.0", lifespan=lifespan,
                  default_response_class=ORJSONResponse)
    install_error_handlers(app)
    app.include_router(health_router())
    app.include_router(ingest_router())
    return app
