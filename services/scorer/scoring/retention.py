"""Deletes raw engagement older than the retention setting, once an hour."""

import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from services.shared.jobs import PeriodicJob

log = logging.getLogger(__name__)


async def purge_older_than(conn: asyncpg.Connection, cutoff: datetime) -> int:
    """Deletes raw engagement older than the retention; returns how many rows."""
    result = await conn.execute("DELETE FROM scorer.engagement_events WHERE occurred_at < $1", cutoff)
    return int(result.split()[-1])


class RetentionJob:
    def __init__(self, pool: asyncpg.Pool, retention: timedelta, every_s: float = 3600) -> None:
        self._pool = pool
        self._retention = retention
        self._job = PeriodicJob("retention purge", self._step, every_s)
        self.name = "retention"

    def stop(self) -> None:
        self._job.stop()

    async def run(self) -> None:
        await self._job.run()

    async def purge_once(self, now: datetime) -> int:
        async with self._pool.acquire() as conn:
            return await purge_older_than(conn, now - self._retention)

    async def _step(self) -> bool:
        if deleted := await self.purge_once(datetime.now(UTC)):
            log.info("engagement history purged", extra={"rows": deleted})
        return False
