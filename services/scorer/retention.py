"""Deletes raw engagement older than the retention setting, once an hour."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from services.scorer.adapters.history import HistoryRepository

log = logging.getLogger(__name__)


class RetentionJob:
    def __init__(self, pool: asyncpg.Pool, retention: timedelta, every_s: float = 3600) -> None:
        self._pool = pool
        self._retention = retention
        self._every_s = every_s
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def purge_once(self, now: datetime) -> int:
        async with self._pool.acquire() as conn:
            return await HistoryRepository(conn).purge_older_than(now - self._retention)

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                if deleted := await self.purge_once(datetime.now(UTC)):
                    log.info("engagement history purged", extra={"rows": deleted})
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("retention purge failed", extra={"error": repr(exc)})
            try:
                await asyncio.wait_for(self._stopping.wait(), self._every_s)
            except TimeoutError:
                pass
