"""/healthz, /readyz and /metrics, the same on both services."""

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from services.shared.errors import RETRY_AFTER_S
from services.shared.responses import JsonResponse
from services.shared.runtime import Runtime
from services.shared.state import service_state


class RuntimeCollector:
    """Reads the runtime's counters at scrape time, so no metric lives in a global."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        consumed = CounterMetricFamily("handoff_records_consumed", "Records fetched", labels=["consumer"])
        applied = CounterMetricFamily("handoff_events_applied", "Events applied to the database", labels=["consumer"])
        dupes = CounterMetricFamily("handoff_events_duplicate", "Redelivered events ignored", labels=["consumer"])
        dlq = CounterMetricFamily("handoff_records_dead_lettered", "Records sent to a DLQ", labels=["consumer"])
        skipped = CounterMetricFamily("handoff_records_skipped", "Undecodable records another group dead-letters",
                                      labels=["consumer"])
        assigned = GaugeMetricFamily("handoff_consumer_partitions", "Partitions assigned", labels=["consumer"])
        for loop in self._runtime.loops:
            consumed.add_metric([loop.name], loop.stats.consumed)
            applied.add_metric([loop.name], loop.stats.applied)
            dupes.add_metric([loop.name], loop.stats.duplicates)
            dlq.add_metric([loop.name], loop.stats.dead_lettered)
            skipped.add_metric([loop.name], loop.stats.skipped)
            assigned.add_metric([loop.name], len(loop.consumer.assignment()))
        published = CounterMetricFamily("handoff_outbox_published", "Events relayed to Kafka", labels=["topic"])
        for topic, n in self._runtime.published.items():
            published.add_metric([topic], n)
        yield from (consumed, applied, dupes, dlq, skipped, assigned, published)


def outcome_counter(name: str, documentation: str, stats: object, outcomes: tuple[str, ...]) -> CounterMetricFamily:
    """A counter labelled by outcome, read from a job's stats object (its fields named as the outcomes)."""
    family = CounterMetricFamily(name, documentation, labels=["outcome"])
    for outcome in outcomes:
        family.add_metric([outcome], getattr(stats, outcome))
    return family


def make_registry(runtime: Runtime) -> CollectorRegistry:
    """A registry of this app's own (tests may build many apps in one process)."""
    registry = CollectorRegistry()
    registry.register(RuntimeCollector(runtime))
    return registry


def health_router(*, metrics: bool) -> APIRouter:
    """/healthz and /readyz; /metrics too when `metrics` (HANDOFF_METRICS_ENABLED)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz(request: Request) -> dict[str, Any]:
        """Liveness: the process answers; with what this process has loaded (e.g. the agreement)."""
        return {"status": "ok", **service_state(request).describe()}

    @router.get("/readyz")
    async def readyz(request: Request) -> JsonResponse:
        """Readiness: database, Kafka and partition assignment."""
        checks = await service_state(request).runtime.readiness()
        ok = all(v == "ok" for v in checks.values())
        return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                            status_code=200 if ok else 503, headers=None if ok else {"Retry-After": RETRY_AFTER_S})

    async def prometheus(request: Request) -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(service_state(request).registry), media_type=CONTENT_TYPE_LATEST)

    if metrics:
        router.add_api_route("/metrics", prometheus, methods=["GET"])
    return router
