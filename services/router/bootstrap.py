"""The router's one wiring point: the app factory, and the lifespan that starts each capability."""

from collections.abc import Sequence

from fastapi import FastAPI

from schemas.topics import Topic
from services.agreement.active import ActiveAgreement, watch_active_agreement
from services.agreement.deps import keep_watcher, watcher_of
from services.router.config import SCHEMA, RouterSettings
from services.router.connectors import wiring as connectors
from services.router.crm import wiring as crm
from services.router.deliveries import wiring as deliveries
from services.router.events import RoutingContext
from services.router.reporting import wiring as reporting
from services.router.routing import wiring as routing
from services.router.salesops import wiring as salesops
from services.router.sla import wiring as sla
from services.shared.app import create_service_app
from services.shared.config import load_settings
from services.shared.dlq_api import dead_letters_router
from services.shared.runtime import ConsumerSpec
from services.shared.state import Clock, ServiceState, utc_now


def routing_context(settings: RouterSettings, agreement: ActiveAgreement, now: Clock) -> RoutingContext:
    return RoutingContext(
        routed_topic=settings.topic(Topic.ROUTED), followup_topic=settings.topic(Topic.FOLLOWUP),
        source=settings.event_source, default_pool=settings.default_pool, now=now, agreement=agreement.read,
        clock_skew=settings.clock_skew, reporting_currency=settings.reporting_currency)


def create_app(settings: RouterSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    """The router's HTTP app; its lifespan runs the consumers, the relay, the agreement watcher and
    the SLA timers. `clock` is the time every decision and timer uses (tests pass a controlled one)."""
    settings = settings or load_settings(RouterSettings)

    async def on_start(app: FastAPI, state: ServiceState) -> None:
        # The router reads the agreement versions the scorer stores (SLA tiers, rejection reasons).
        agreement = await watch_active_agreement(state, settings.agreement_poll_s)
        keep_watcher(app, agreement)
        ctx = routing_context(settings, agreement, clock)
        for job in [*sla.jobs(state, settings, ctx, routing.reassigner(ctx)), *routing.jobs(state, settings, ctx),
                    *await reporting.jobs(state, settings, agreement.read, deliveries.publish),
                    # Outbound HTTP (webhooks and CRM connectors), off the routing path.
                    *deliveries.jobs(state, settings, connectors.senders(state, settings))]:
            state.runtime.start_job(job)

    def consumers(app: FastAPI, state: ServiceState) -> Sequence[ConsumerSpec]:
        ctx = routing_context(settings, watcher_of(app), clock)
        return [*routing.consumers(ctx), *crm.consumers(ctx), *deliveries.consumers(settings)]

    return create_service_app(
        title="Handoff router", settings=settings, schema=SCHEMA, on_start=on_start, consumers=consumers,
        clock=clock,
        routers=[*routing.routers(), *salesops.routers(), *crm.routers(), *reporting.routers(deliveries.publish),
                 *deliveries.routers(), *connectors.routers(),
                 # Its consumers' topics (ROUTED and FOLLOWUP: the outbound delivery's fan-out).
                 # The engagement topic's dead letters (of the changes consumer too) are the scorer's to serve.
                 dead_letters_router([Topic.QUALIFIED, Topic.CRM_ACTIVITY, Topic.ROUTED, Topic.FOLLOWUP,
                                      Topic.ACCOUNT_QUALIFIED])],
    )
