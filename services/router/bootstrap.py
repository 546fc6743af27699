"""The router's one wiring point: app factory and lifespan."""

from datetime import UTC, datetime

import asyncpg
from fastapi import FastAPI

from schemas.topics import Topic
from services.router import handlers
from services.scorer.adapters.active_agreement import watch_active_agreement
from services.router.adapters.repository import RouterRepository
from services.router.adapters.routing_state import RoutingStateRepository
from services.router.entrypoints.routing_api import routing_router
from services.router.entrypoints.sales_ops_api import sales_ops_router
from services.router.config import QUALIFIED_GROUP, SCHEMA, RouterSettings
from services.shared.app import create_service_app
from services.shared.config import load_settings
from services.shared.runtime import ConsumerSpec, Runtime


def utc_now() -> datetime:
    return datetime.now(UTC)


def qualified_handler(settings: RouterSettings, agreement, now=utc_now):
    """The batch handler the consumer loop calls inside its transaction."""
    ctx = handlers.RoutingContext(
        routed_topic=settings.topic(Topic.ROUTED), followup_topic=settings.topic(Topic.FOLLOWUP),
        source=settings.event_source, default_pool=settings.default_pool, now=now,
        agreement=lambda: agreement.current,
    )

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await handlers.lead_qualified(RouterRepository(conn), RoutingStateRepository(conn), events, ctx)

    return handle


def create_app(settings: RouterSettings | None = None) -> FastAPI:
    """The router's HTTP app; its lifespan runs the consumer, the relay and the agreement watcher."""
    settings = settings or load_settings(RouterSettings)

    async def on_start(app: FastAPI, runtime: Runtime) -> None:
        # The router reads the scorer's agreement versions (SLA tiers, rejection reasons).
        await watch_active_agreement(app, runtime, settings.agreement_poll_s)

    return create_service_app(
        title="Handoff router", settings=settings, schema=SCHEMA, on_start=on_start,
        routers=[routing_router(), sales_ops_router()],
        consumers=lambda app, runtime: [
            ConsumerSpec(QUALIFIED_GROUP, Topic.QUALIFIED, qualified_handler(settings, app.state.agreement))],
    )
