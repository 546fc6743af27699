"""Wiring of outbound delivery in the router's lifespan: HTTP client, worker, metrics."""

import httpx
from fastapi import FastAPI
from prometheus_client.core import GaugeMetricFamily

from services.router.config import RouterSettings
from services.router.delivery_handlers import wall_clock
from services.router.delivery_sender import Sender
from services.router.delivery_worker import DeliveryWorker
from services.router.domain.delivery import RetryPolicy
from services.shared.health import outcome_counter
from services.shared.runtime import Runtime

USER_AGENT = "Handoff-Webhooks/0.1"


class DeliveryCollector:
    """This replica's delivery counters at scrape time."""

    def __init__(self, worker: DeliveryWorker) -> None:
        self._worker = worker

    def collect(self):
        yield outcome_counter("handoff_delivery_attempts", "Outbound delivery attempts by outcome",
                              self._worker.stats, ("delivered", "retrying", "failed"))
        yield GaugeMetricFamily("handoff_deliveries_in_flight", "Requests being sent now",
                                value=self._worker.in_flight)


def http_client(settings: RouterSettings) -> httpx.AsyncClient:
    """One pooled client for every endpoint; redirects are not followed (a 3xx is a failed attempt).
    HTTPS_PROXY / NO_PROXY apply, for deployments whose egress goes through a proxy."""
    limits = httpx.Limits(max_connections=settings.delivery_max_in_flight,
                          max_keepalive_connections=settings.delivery_max_in_flight)
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.delivery_timeout_s), limits=limits,
                             follow_redirects=False, headers={"user-agent": USER_AGENT})


async def start_deliveries(app: FastAPI, runtime: Runtime, settings: RouterSettings) -> DeliveryWorker:
    """Starts this replica's delivery worker; it closes its client when it stops."""
    policy = RetryPolicy(base_s=settings.delivery_backoff_base_s, cap_s=settings.delivery_backoff_cap_s,
                         max_attempts=settings.delivery_max_attempts, max_age_s=settings.delivery_max_age_s)
    sender = Sender(http_client(settings), settings.delivery_timeout_s, wall_clock)
    worker = DeliveryWorker(runtime.pool, sender, policy, timeout_s=settings.delivery_timeout_s,
                            max_in_flight=settings.delivery_max_in_flight,
                            per_endpoint=settings.delivery_per_endpoint, poll_s=settings.delivery_poll_s)
    app.state.deliveries = worker
    app.state.registry.register(DeliveryCollector(worker))
    runtime.spawn(worker.run(), "deliveries", stop=worker.stop)
    return worker
