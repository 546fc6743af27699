"""The router's one wiring point: app factory and lifespan."""

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI
from fastapi.responses import ORJSONResponse

from schemas.topics import Topic
from services.router import handlers
from services.router.adapters.repository import RouterRepository
from services.router.config import QUALIFIED_GROUP, SCHEMA, RouterSettings
from services.shared.auth import KeyRing
from services.shared.config import load_settings
from services.shared.errors import install_error_handlers
from services.shared.health import health_router, make_registry
from services.shared.runtime import ConsumerSpec, Runtime


def utc_now() -> datetime:
    return datetime.now(UTC)


def qualified_handler(settings: RouterSettings, now=utc_now):
    """The batch handler the consumer loop calls inside its transaction."""
    ctx = handlers.RoutingContext(
        routed_topic=settings.topic(Topic.ROUTED), followup_topic=settings.topic(Topic.FOLLOWUP),
        source=settings.event_source, default_pool=settings.default_pool, now=now,
    )

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await handlers.lead_qualified(RouterRepository(conn), events, ctx)

    return handle


def create_app(settings: RouterSettings | None = None) -> FastAPI:
    """The router's HTTP app; its lifespan runs the consumer and the outbox relay."""
    settings = settings or load_settings(RouterSettings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runtime = Runtime(settings, SCHEMA)
        app.state.runtime = runtime
        app.state.registry = make_registry(runtime)
        app.state.keys = KeyRing(settings.admin_key and settings.admin_key.get_secret_value())
        try:
            await runtime.start([ConsumerSpec(QUALIFIED_GROUP, Topic.QUALIFIED, qualified_handler(settings))])
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="Handoff router", version="0.1.0", lifespan=lifespan,
                  default_response_class=ORJSONResponse)
    install_error_handlers(app)
    app.include_router(health_router())
    return app
