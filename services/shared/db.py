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


async def create_pool(settings: Settings) -> asyncpg.Pool:
    """A connection pool for the configured database."""
    return await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=init_connection,
    )


async def connect(database_url: str) -> asyncpg.Connection:
    """One connection with the same codecs as the pool (for the CLI and tests)."""
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)
    return conn
