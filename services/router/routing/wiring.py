"""What routing gives bootstrap: its API, the qualified-lead and qualified-account consumers, and
reassignment for the SLA clock."""

from collections.abc import Sequence
from functools import partial
from typing import Any

import asyncpg
from fastapi import APIRouter

from schemas.bounds import arrival_context
from schemas.messages import AccountQualifiedEvent, EngagementEvent, QualifiedEvent
from schemas.topics import Topic
from services.router.config import ACCOUNT_GROUP, CHANGES_GROUP, QUALIFIED_GROUP, RouterSettings
from services.router.events import RoutingContext
from services.router.routing import handlers
from services.router.routing.accounts import as_qualification
from services.router.routing.api import routing_router
from services.router.routing.batch_state import BatchRoutingState
from services.router.routing.changes import lead_fields_changed
from services.router.routing.relaxation import relaxation_job
from services.router.routing.state import RoutingStateRepository
from services.router.routing.store import RouterRepository
from services.router.sla.ports import Reassign, Reassigner
from services.shared.consumer import BatchHandler
from services.shared.jobs import Job
from services.shared.runtime import ConsumerSpec
from services.shared.state import ServiceState


def routers() -> list[APIRouter]:
    return [routing_router()]


def qualified_handler(ctx: RoutingContext) -> BatchHandler:
    """The batch handler the consumer loop calls inside its transaction."""

    async def handle(conn: asyncpg.Connection, events: Sequence[QualifiedEvent]) -> None:
        await handlers.lead_qualified(RouterRepository(conn), BatchRoutingState(RoutingStateRepository(conn)),
                                      events, ctx)

    return handle


def changes_handler(ctx: RoutingContext) -> BatchHandler:
    """Engagement events that may change an untouched lead's route."""

    async def handle(conn: asyncpg.Connection, events: Sequence[EngagementEvent]) -> None:
        await lead_fields_changed(RouterRepository(conn), RoutingStateRepository(conn), events, ctx)

    return handle


def account_handler(ctx: RoutingContext) -> BatchHandler:
    """Sales-ready accounts, routed as leads keyed `account:<domain>` through the same handler."""

    async def handle(conn: asyncpg.Connection, events: Sequence[AccountQualifiedEvent]) -> None:
        await handlers.lead_qualified(RouterRepository(conn), BatchRoutingState(RoutingStateRepository(conn)),
                                      [as_qualification(e) for e in events], ctx)

    return handle


def consumers(ctx: RoutingContext) -> list[ConsumerSpec]:
    def arrival() -> dict[str, Any]:  # an engagement dated in the future changes no route (the scorer refuses it)
        return arrival_context(ctx.now(), ctx.clock_skew)

    return [ConsumerSpec(QUALIFIED_GROUP, Topic.QUALIFIED, qualified_handler(ctx)),
            ConsumerSpec(ACCOUNT_GROUP, Topic.ACCOUNT_QUALIFIED, account_handler(ctx)),
            # The scorer's group dead-letters the engagement records nobody can read; this one skips them.
            ConsumerSpec(CHANGES_GROUP, Topic.ENGAGEMENT, changes_handler(ctx), gathers=True, context=arrival,
                         dead_letters_undecodable=False)]


def jobs(state: ServiceState, settings: RouterSettings, ctx: RoutingContext) -> list[Job]:
    """The job that decides again the leads waiting for a rep with optional skills."""
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    return [relaxation_job(pool, ctx, settings.sla_tick_s)]


def reassigner(ctx: RoutingContext) -> Reassigner:
    """Reassignment inside the caller's transaction, for the SLA clock's breaches."""

    def within(conn: asyncpg.Connection) -> Reassign:
        return partial(handlers.reassign, RouterRepository(conn), RoutingStateRepository(conn), ctx=ctx)

    return within
