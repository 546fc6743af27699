"""FastAPI dependency aliases: what lifespan made, handed to routes.

The getters are async on purpose: FastAPI runs a plain `def` dependency in its thread pool, a
thread hop per dependency per request on the ingest hot path.
"""

from datetime import datetime
from typing import Annotated

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import Depends, Request

from services.shared.config import Settings
from services.shared.runtime import Runtime
from services.shared.state import ServiceState, service_state


async def get_state(request: Request) -> ServiceState:
    return service_state(request)


async def get_runtime(request: Request) -> Runtime:
    return service_state(request).runtime


async def get_pool(request: Request) -> asyncpg.Pool:
    pool = service_state(request).runtime.pool
    assert pool is not None  # opened before the app serves
    return pool


async def get_producer(request: Request) -> AIOKafkaProducer:
    producer = service_state(request).runtime.producer
    assert producer is not None
    return producer


async def get_settings(request: Request) -> Settings:
    return service_state(request).runtime.settings


async def get_now(request: Request) -> datetime:
    """The current time by the app's clock."""
    return service_state(request).clock()


StateDep = Annotated[ServiceState, Depends(get_state)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
ProducerDep = Annotated[AIOKafkaProducer, Depends(get_producer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
