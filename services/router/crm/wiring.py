"""What CRM handling gives bootstrap: POST /v1/crm/activities and the activity consumer."""

from collections.abc import Sequence

import asyncpg
from fastapi import APIRouter

from schemas.messages import CrmActivityEvent
from schemas.topics import Topic
from services.router.config import CRM_GROUP
from services.router.crm.api import crm_router
from services.router.crm.handlers import crm_activities
from services.router.crm.store import ActivityRepository
from services.router.events import RoutingContext
from services.router.sla.store import TimerRepository
from services.shared.consumer import BatchHandler
from services.shared.runtime import ConsumerSpec


def routers() -> list[APIRouter]:
    return [crm_router()]


def crm_handler(ctx: RoutingContext) -> BatchHandler:
    """The CRM activity batch handler."""

    async def handle(conn: asyncpg.Connection, events: Sequence[CrmActivityEvent]) -> None:
        await crm_activities(ActivityRepository(conn), TimerRepository(conn), events, ctx)

    return handle


def consumers(ctx: RoutingContext) -> list[ConsumerSpec]:
    return [ConsumerSpec(CRM_GROUP, Topic.CRM_ACTIVITY, crm_handler(ctx))]
