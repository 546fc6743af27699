"""The asyncpg pool, made in lifespan and passed down."""

import asyncpg
import orjson

from services.shared.config import Settings


async def init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, encoded by orjson for speed.
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: orjson.dumps(v).decode(),
        decoder=orjson.loads,
        schema="pg_catalog",
    )


async def reset_connection(conn: asyncpg.Connection) -> None:
    """Runs as a connection returns to the pool, after asyncpg has rolled back any open transaction
    and dropped its listener callbacks. The services leave no other session state (no SET, LISTEN
    ended by remove_listener, advisory locks only per transaction), so the default reset's round
    trip (RESET ALL, UNLISTEN *, CLOSE ALL, unlock all) is skipped: it was one in every five
    statements at 200 events/s."""


async def create_pool(settings: Settings) -> asyncpg.Pool:
    """A connection pool for the configured database."""
    return await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=init_connection,
        reset=reset_connection,
        # Every hot statement takes arrays (`= ANY($1)`, unnest) whose length a cached generic plan
        # cannot know, and a plan cached while a table was small stays a sequential scan after it
        # has grown, until autovacuum next analyzes it: that once made the end-to-end p99 latency
        # 129 ms, against 75 ms with a plan per execution. A startup parameter survives a RESET ALL too.
        server_settings={"plan_cache_mode": settings.db_plan_cache_mode},
    )


async def connect(database_url: str) -> asyncpg.Connection:
    """One connection with the same codecs as the pool (for the CLI and tests)."""
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    return conn
