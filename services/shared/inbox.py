"""The inbox: event ids already applied, so redelivered records change nothing."""

from collections.abc import Sequence

import asyncpg


async def claim_new(
    conn: asyncpg.Connection, schema: str, consumer: str, keys: Sequence[str]
) -> set[str]:
    """Records `keys` as seen by `consumer` and returns those not seen before."""
    rows = await conn.fetch(
        f'INSERT INTO "{schema}".inbox (consumer, event_key)'
        " SELECT $1, k FROM unnest($2::text[]) AS k"
        " ON CONFLICT DO NOTHING RETURNING event_key",
        consumer,
        list(keys),
    )
    return {r["event_key"] for r in rows}
