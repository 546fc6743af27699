"""Plain SQL migrations, applied in file-name order per schema and recorded."""

import logging
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)


async def migrate(conn: asyncpg.Connection, schema: str, directory: Path) -> list[str]:
    """Applies the not-yet-applied `*.sql` files of `directory` to `schema`; returns their names."""
    applied: list[str] = []
    async with conn.transaction():
        # One migrator at a time, whichever replica or CLI got here first.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch(f'SELECT name FROM "{schema}".schema_migrations')}
        for path in sorted(directory.glob("*.sql")):
            if path.name in done:
                continue
            await conn.execute(path.read_text())
            await conn.execute(
                f'INSERT INTO "{schema}".schema_migrations (name) VALUES ($1)', path.name
            )
            log.info("migration applied", extra={"schema": schema, "migration": path.name})
            applied.append(path.name)
    return applied
