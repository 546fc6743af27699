"""FastAPI dependency aliases: what lifespan made, handed to routes.

The getters are async on purpose: FastAPI runs a plain `def` dependency in its thread pool, a
thread hop per dependency per request on the ingest hot path.
"""

from typing import Annotated

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import Depends, Request

from services.shared.config import Settings
from services.shared.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


async def get_producer(request: Request) -> AIOKafkaProducer:
    return request.app.state.runtime.producer


async def get_settings(request: Request) -> Settings:
    return request.app.state.runtime.settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
ProducerDep = Annotated[AIOKafkaProducer, Depends(get_producer)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
