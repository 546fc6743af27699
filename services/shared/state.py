"""The typed state of a service app: what lifespan made, read by routes through one getter each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry
from starlette.requests import HTTPConnection

from services.shared.runtime import Runtime

if TYPE_CHECKING:  # auth reads the state; the state only names the key ring's type
    from services.shared.auth import KeyRing

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _nothing() -> dict[str, Any]:
    return {}


@dataclass(eq=False)
class ServiceState:
    """The one object lifespan puts on `app.state` (as `service`)."""

    runtime: Runtime
    registry: CollectorRegistry
    keys: KeyRing
    clock: Clock = utc_now  # the time routes judge by (tests pass a controlled one)
    describe: Callable[[], dict[str, Any]] = field(default=_nothing)  # what /healthz adds


def service_state(conn: HTTPConnection) -> ServiceState:
    """The state of the app serving this request."""
    state: ServiceState = conn.app.state.service
    return state
