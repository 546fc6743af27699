"""The router's one wiring point: app factory and lifespan."""

from collections.abc import Callable
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
from services.router.entrypoints.sla_api import sla_router
from services.router.entrypoints.funnel_api import funnel_router
from services.router.entrypoints.dashboard import dashboard_router
from services.router.sla_metrics import start_sla_metrics
from services.router.adapters.batch_state import BatchRoutingState
from services.router.adapters.followup import FollowupRepository
from services.router.config import CRM_GROUP, QUALIFIED_GROUP, SCHEMA, RouterSettings
from services.router.crm_handlers import crm_activities
from services.router.entrypoints.crm_api import crm_router
from services.router.sla_clock import SlaTimerJob, TimerCollector
from services.router.delivery_handlers import delivery_consumers
from services.router.delivery_setup import start_deliveries
from services.router.entrypoints.subscriptions_api import subscriptions_router
from services.shared.app import create_service_app
from services.shared.config import load_settings
from services.shared.runtime import ConsumerSpec, Runtime


def utc_now() -> datetime:
    return datetime.now(UTC)


def routing_context(settings: RouterSettings, agreement, now) -> handlers.RoutingContext:
    return handlers.RoutingContext(
        routed_topic=settings.topic(Topic.ROUTED), followup_topic=settings.topic(Topic.FOLLOWUP),
        source=settings.event_source, default_pool=settings.default_pool, now=now,
        agreement=lambda: agreement.current,
    )


def qualified_handler(settings: RouterSettings, agreement, now=utc_now):
    """The batch handler the consumer loop calls inside its transaction."""
    ctx = routing_context(settings, agreement, now)

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await handlers.lead_qualified(RouterRepository(conn), BatchRoutingState(RoutingStateRepository(conn)),
                                      events, ctx)

    return handle


def crm_handler(settings: RouterSettings, agreement, now=utc_now):
    """The CRM activity batch handler."""
    ctx = routing_context(settings, agreement, now)

    async def handle(conn: asyncpg.Connection, events: list) -> None:
        await crm_activities(FollowupRepository(conn), RouterRepository(conn), events, ctx)

    return handle


def create_app(settings: RouterSettings | None = None, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """The router's HTTP app; its lifespan runs the consumers, the relay, the agreement watcher and
    the SLA timers. `clock` is the time every decision and timer uses (tests pass a controlled one)."""
    settings = settings or load_settings(RouterSettings)

    async def on_start(app: FastAPI, runtime: Runtime) -> None:
        app.state.clock = clock
        # The router reads the scorer's agreement versions (SLA tiers, rejection reasons).
        await watch_active_agreement(app, runtime, settings.agreement_poll_s)
        timers = SlaTimerJob(runtime.pool, routing_context(settings, app.state.agreement, clock),
                             interval_s=settings.sla_tick_s, batch=settings.sla_batch)
        app.state.sla_timers = timers
        app.state.registry.register(TimerCollector(timers))
        runtime.spawn(timers.run(), "sla-timers", stop=timers.stop)
        await start_sla_metrics(app, runtime, settings.sla_metrics_refresh_s)  # spawns "sla-metrics"
        await start_deliveries(app, runtime, settings)  # spawns "deliveries": outbound HTTP, off the routing path

    return create_service_app(
        title="Handoff router", settings=settings, schema=SCHEMA, on_start=on_start,
        routers=[routing_router(), sales_ops_router(), crm_router(), sla_router(), subscriptions_router(),
                 funnel_router(), dashboard_router()],
        consumers=lambda app, runtime: [
            ConsumerSpec(QUALIFIED_GROUP, Topic.QUALIFIED, qualified_handler(settings, app.state.agreement, clock)),
            ConsumerSpec(CRM_GROUP, Topic.CRM_ACTIVITY, crm_handler(settings, app.state.agreement, clock)),
            *delivery_consumers()],
    )
