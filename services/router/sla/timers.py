"""The SLA timer job: any number of router replicas claim due timers with FOR UPDATE SKIP LOCKED.

Each claimed timer fires inside the claiming transaction, together with its outbox rows, so a
transition is announced exactly once whatever crashes or how many replicas run. The clock is
injected: tests move it instead of sleeping through business minutes.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
from prometheus_client.core import CounterMetricFamily

from services.router.events import RoutingContext
from services.router.sla.breaches import timer_due
from services.router.sla.ports import Reassigner
from services.router.sla.store import DueTimer, TimerRepository
from services.shared.consumer import TRANSIENT_ERRORS
from services.shared.health import outcome_counter
from services.shared.jobs import PeriodicJob

log = logging.getLogger(__name__)


@dataclass
class TimerStats:
    fired: int = 0
    moot: int = 0
    failed: int = 0


class SlaTimerJob:
    def __init__(self, pool: asyncpg.Pool, ctx: RoutingContext, reassigner: Reassigner, *,
                 interval_s: float = 1.0, batch: int = 100) -> None:
        self._pool, self._ctx, self._reassigner = pool, ctx, reassigner
        self._batch = batch
        self._job = PeriodicJob("SLA timers", self._step, interval_s, backoff_max_s=10.0)
        self.name = "sla-timers"
        self.stats = TimerStats()

    def stop(self) -> None:
        self._job.stop()

    async def run(self) -> None:
        """Ticks until stopped; a full batch means more may be due, so it goes again at once."""
        await self._job.run()

    async def _step(self) -> bool:
        return await self.tick() >= self._batch

    async def tick(self) -> int:
        """Claims and fires the timers due now (one batch, one transaction); returns how many."""
        async with self._pool.acquire() as conn, conn.transaction():
            timers = await TimerRepository(conn).claim_due_timers(self._ctx.now(), self._batch)
            for timer in timers:
                await self._fire(conn, timer)
        return len(timers)

    async def _fire(self, conn: asyncpg.Connection, timer: DueTimer) -> None:
        repo = TimerRepository(conn)
        try:
            async with conn.transaction():  # a savepoint: one bad timer must not hold up the rest
                fired = await timer_due(repo, self._reassigner(conn), timer, self._ctx)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            log.exception("SLA timer failed; cancelled", extra={"timer_id": timer.timer_id})
            await repo.fail_timer(timer.timer_id, self._ctx.now(), repr(exc))
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

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield outcome_counter("handoff_sla_timers", "SLA timers handled by this replica, by outcome",
                              self._job.stats, ("fired", "moot", "failed"))
