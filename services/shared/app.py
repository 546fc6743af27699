"""The app factory both services use: lifespan builds the runtime, keys and metrics."""

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.telemetry import TelemetryConfig

from services.shared.auth import KeyRing
from services.shared.config import Settings
from services.shared.direct import DirectRoutes, Endpoint
from services.shared.edge import Edge, RouteTable
from services.shared.errors import install_error_handlers, refuse_nul_characters
from services.shared.health import health_router, make_registry
from services.shared.keys_api import keys_router
from services.shared.limiter import FailureLimiter
from services.shared.responses import JsonResponse
from services.shared.runtime import ConsumerSpec, Runtime
from services.shared.state import Clock, ServiceState, utc_now

# Metrics are Prometheus (/metrics). FastAPI's own OpenTelemetry hooks, left on, look up the global
# providers on every request: about 5% of an ingest request with nothing configured.
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

Hook = Callable[[FastAPI, ServiceState], Awaitable[None]]
ConsumersFactory = Callable[[FastAPI, ServiceState], Sequence[ConsumerSpec]]


def create_service_app(
    *,
    title: str,
    settings: Settings,
    schema: str,
    consumers: ConsumersFactory,
    routers: Sequence[APIRouter] = (),
    direct: Mapping[tuple[str, str], Endpoint] | None = None,
    on_start: Hook | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    """A FastAPI app whose lifespan opens the runtime, runs `on_start`, then starts the consumers
    (unless the settings make this an HTTP-only replica). `direct` routes are served ahead of
    FastAPI's routing; the edge (caps, authentication) stands in front of everything."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, schema)
        try:
            await runtime.open()
            admin = settings.admin_key.get_secret_value() if settings.admin_key else None
            failures = FailureLimiter(settings.auth_failure_limit, settings.auth_failure_window_s)
            state = ServiceState(runtime, make_registry(runtime), KeyRing(admin, runtime.pool, failures=failures),
                                 clock)
            app.state.service = state
            if on_start:
                await on_start(app, state)
            if settings.run_consumers:
                await runtime.consume(consumers(app, state))
            # What start-up made (modules, models, routes, the agreement) lives as long as the
            # process: frozen, full collections stop walking it again and again. Unfrozen, a full
            # collection paused the whole service 100-160 ms, the tail of the routing latency.
            gc.freeze()
            yield
        finally:
            await runtime.stop()

    docs = settings.docs_enabled  # off by default: the API's map is for people who run it
    app = FastAPI(title=title, version="0.1.0", lifespan=lifespan, default_response_class=JsonResponse,
                  dependencies=[Depends(refuse_nul_characters)], telemetry=NO_OPENTELEMETRY,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)
    install_error_handlers(app)
    app.include_router(health_router(metrics=settings.metrics_enabled))
    app.include_router(keys_router())
    for router in routers:
        app.include_router(router)
    if direct:
        app.add_middleware(DirectRoutes, routes=direct)
    app.add_middleware(Edge, table=RouteTable(app.routes, settings), max_header_bytes=settings.max_header_bytes)
    return app
