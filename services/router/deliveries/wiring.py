"""What outbound delivery gives bootstrap: the subscriptions API, the fan-out consumers, the worker."""

from collections.abc import Mapping

import asyncpg
import httpx
from fastapi import APIRouter
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from schemas.envelope import CloudEvent
from services.router.config import RouterSettings
from services.router.deliveries.api import subscriptions_router
from services.router.deliveries.domain.delivery import RetryPolicy
from services.router.deliveries.egress import VettedTransport
from services.router.deliveries.fanout import delivery_consumers, fan_out, wall_clock
from services.router.deliveries.ports import Send
from services.router.deliveries.sealing import secret_box
from services.router.deliveries.sender import Sender
from services.router.deliveries.store import DeliveryRepository
from services.router.deliveries.subscriptions import SubscriptionRepository
from services.router.deliveries.worker import DeliveryWorker
from services.shared.health import outcome_counter
from services.shared.jobs import Job
from services.shared.runtime import ConsumerSpec
from services.shared.state import ServiceState

USER_AGENT = "Handoff-Webhooks/0.1"


class DeliveryCollector:
    """This replica's delivery counters at scrape time."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self._worker = worker

    def collect(self) -> list[CounterMetricFamily | GaugeMetricFamily]:
        return [outcome_counter("handoff_delivery_attempts", "Outbound delivery attempts by outcome",
                                self._worker.stats, ("delivered", "retrying", "failed")),
                GaugeMetricFamily("handoff_deliveries_in_flight", "Requests being sent now",
                                  value=self._worker.in_flight)]


def http_client(settings: RouterSettings) -> httpx.AsyncClient:
    """One pooled client for every endpoint, on the vetting transport (`egress.py`); redirects are
    not followed (a 3xx is a failed attempt)."""
    limits = httpx.Limits(max_connections=settings.delivery_max_in_flight,
                          max_keepalive_connections=settings.delivery_max_in_flight)
    transport = VettedTransport(limits, allow_loopback=settings.delivery_allow_http_localhost)
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.delivery_timeout_s), transport=transport,
                             follow_redirects=False, headers={"user-agent": USER_AGENT})


async def publish(conn: asyncpg.Connection, event: CloudEvent) -> int:
    """Queues `event` for every active subscription that asks for its type, in the caller's transaction;
    the worker signs and sends it like every other delivery. Returns how many were queued."""
    return await fan_out(SubscriptionRepository(conn), DeliveryRepository(conn), [event], wall_clock())


def routers() -> list[APIRouter]:
    return [subscriptions_router()]


def consumers(settings: RouterSettings) -> list[ConsumerSpec]:
    return delivery_consumers(settings.link_base)


def jobs(state: ServiceState, settings: RouterSettings, connectors: Mapping[str, Send] | None = None) -> list[Job]:
    """This replica's delivery worker (off the routing path); it closes its clients when it stops.
    `connectors` send the deliveries of CRM connector subscriptions (docs/crm.md)."""
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    policy = RetryPolicy(base_s=settings.delivery_backoff_base_s, cap_s=settings.delivery_backoff_cap_s,
                         max_attempts=settings.delivery_max_attempts, max_age_s=settings.delivery_max_age_s)
    sender = Sender(http_client(settings), settings.delivery_timeout_s, wall_clock, secret_box(settings.secrets_key))
    worker = DeliveryWorker(pool, sender, policy, timeout_s=settings.delivery_timeout_s,
                            max_in_flight=settings.delivery_max_in_flight,
                            per_endpoint=settings.delivery_per_endpoint, poll_s=settings.delivery_poll_s,
                            connectors=connectors)
    state.registry.register(DeliveryCollector(worker))
    return [worker]
