"""The SLA timer loop: any number of router replicas claim due timers with FOR UPDATE SKIP LOCKED.

Each claimed timer fires inside the claiming transaction, together with its outbox rows, so a
transition is announced exactly once whatever crashes or how many replicas run. The clock is
injected: tests move it instead of sleeping through business minutes.
"""

import asyncio
import logging
from dataclasses import dataclass

import asyncpg

from services.router.adapters.followup import FollowupRepository
from services.router.adapters.repository import RouterRepository
from services.router.adapters.routing_state import RoutingStateRepository
from services.router.handlers import RoutingContext
from services.router.sla_handlers import timer_due
from services.shared.consumer import TRANSIENT_ERRORS
from services.shared.health import outcome_counter

log = logging.getLogger(__name__)


@dataclass
class TimerStats:
    fired: int = 0
    moot: int = 0
    failed: int = 0


class SlaTimerJob:
    def __init__(self, pool: asyncpg.Pool, ctx: RoutingContext, *, interval_s: float = 1.0,
                 batch: int = 100) -> None:
        self._pool, self._ctx = pool, ctx
        self._interval_s, self._batch = interval_s, batch
        self._stopping = asyncio.Event()
        self.stats = TimerStats()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Ticks until stopped; a full batch means more may be due, so it goes again at once."""
        delay = self._interval_s
        while not self._stopping.is_set():
            try:
                handled = await self.tick()
                delay = self._interval_s
            except TRANSIENT_ERRORS as exc:
                log.warning("SLA timers: database unavailable; retrying", extra={"error": repr(exc)})
                handled, delay = 0, min(delay * 2, 10.0)
            if handled < self._batch:
                try:
                    await asyncio.wait_for(self._stopping.wait(), delay)
                except TimeoutError:
                    pass

    async def tick(self) -> int:
        """Claims and fires the timers due now (one batch, one transaction); returns how many."""
        async with self._pool.acquire() as conn, conn.transaction():
            timers = await FollowupRepository(conn).claim_due_timers(self._ctx.now(), self._batch)
            for timer in timers:
                await self._fire(conn, timer)
        return len(timers)

    async def _fire(self, conn: asyncpg.Connection, timer: asyncpg.Record) -> None:
        followups = FollowupRepository(conn)
        try:
            async with conn.transaction():  # a savepoint: one bad timer must not hold up the rest
                fired = await timer_due(RouterRepository(conn), RoutingStateRepository(conn), followups, timer,
                                        self._ctx)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            log.exception("SLA timer failed; cancelled", extra={"timer_id": timer["timer_id"]})
            await followups.fail_timer(timer["timer_id"], self._ctx.now(), repr(exc))
            self.stats.failed += 1
            return
        if fired:
            self.stats.fired += 1
        else:
            self.stats.moot += 1


class TimerCollector:
    """This replica's SLA timer counters at scrape time."""

    def __init__(self, job: SlaTimerJob) -> None:
        self._job = job

    def collect(self):
        yield outcome_counter("handoff_sla_timers", "SLA timers handled by this replica, by outcome",
                              self._job.stats, ("fired", "moot", "failed"))
