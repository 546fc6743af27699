"""The delivery worker: every router replica leases due deliveries and sends them, concurrently.

A claim is one short statement (lease + attempt count) and commits before the HTTP call, so no
transaction or row lock waits on an endpoint. Each send is a task of its own, at most
`per_endpoint` per subscription, so a slow or failing endpoint only ever delays itself.
"""

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.router.deliveries.domain.delivery import RetryPolicy, delivered
from services.router.deliveries.fanout import wall_clock
from services.router.deliveries.ports import Send
from services.router.deliveries.store import NOTIFY_CHANNEL, AttemptResult, Claimed, DeliveryRepository
from services.shared.consumer import TRANSIENT_ERRORS
from services.shared.notified import NotifiedLoop

log = logging.getLogger(__name__)


@dataclass
class DeliveryStats:
    attempts: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class DeliveryWorker:
    def __init__(self, pool: asyncpg.Pool, sender: Send, policy: RetryPolicy, *,
                 timeout_s: float, max_in_flight: int, per_endpoint: int, poll_s: float,
                 now: Callable[[], datetime] = wall_clock, rand: Callable[[], float] = random.random,
                 connectors: Mapping[str, Send] | None = None) -> None:
        self._pool, self._sender, self._policy = pool, sender, policy
        self._connectors = dict(connectors or {})  # CRM connectors send their deliveries through the CRM's API
        self._timeout_s, self._max, self._per_endpoint = timeout_s, max_in_flight, per_endpoint
        self._now, self._rand = now, rand
        self._lease = timedelta(seconds=2 * timeout_s + 5)  # past the send's own bound, then another may retry
        self._in_flight: dict[asyncio.Task[None], str] = {}
        self._loop = NotifiedLoop(pool, NOTIFY_CHANNEL, poll_s, "deliveries")
        self.name = "deliveries"
        self.stats = DeliveryStats()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def stop(self) -> None:
        self._loop.stop()

    async def run(self) -> None:
        """Until stop(): claims on NOTIFY, when a send ends and every `poll_s` (retries come due).
        A lost database connection (a restart, a failover) is waited out, never fatal."""
        try:
            await self._loop.run(self._claim_step)
        finally:
            if self._in_flight:  # each send is bounded by its timeout
                await asyncio.wait(list(self._in_flight), timeout=self._timeout_s + 5)
            for sender in (self._sender, *self._connectors.values()):
                await sender.close()

    async def _claim_step(self) -> bool:
        await self.claim()
        return False

    async def claim(self) -> int:
        """Leases what is due into the free slots and starts sending; returns how many."""
        free = self._max - len(self._in_flight)
        if free <= 0:
            return 0
        now = self._now()
        claims = await DeliveryRepository(self._pool).claim(
            now, free, Counter(self._in_flight.values()), self._per_endpoint, now + self._lease)
        for claimed in claims:
            task = asyncio.create_task(self._deliver(claimed), name=f"delivery-{claimed.delivery_id}")
            self._in_flight[task] = claimed.subscription_id
            task.add_done_callback(self._finished)
        return len(claims)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        if not task.cancelled() and task.exception():
            log.error("delivery task failed", exc_info=task.exception())
        self._loop.wake()  # a slot is free

    async def _deliver(self, claimed: Claimed) -> None:
        result = await self._sender_of(claimed).send(claimed)
        self.stats.attempts += 1
        if result.status_code is not None and delivered(result.status_code):
            status, next_at = "delivered", None
        else:
            next_at = self._policy.next_attempt(claimed.round_attempt, self._now(), claimed.queued_at, self._rand,
                                                result.retry_after_s)
            status = "pending" if next_at else "failed"
        counter = "retrying" if status == "pending" else status
        setattr(self.stats, counter, getattr(self.stats, counter) + 1)
        if status == "failed":
            log.warning("delivery failed; replay it through the API", extra={
                "delivery_id": claimed.delivery_id, "subscription_id": claimed.subscription_id,
                "attempts": claimed.round_attempt, "error": result.error})
        await self._record(claimed, result, status, next_at)

    def _sender_of(self, claimed: Claimed) -> Send:
        if claimed.connector is None:
            return self._sender
        return self._connectors.get(claimed.connector) or _Unconfigured(claimed.connector, self._now)

    async def _record(self, claimed: Claimed, result: AttemptResult, status: str, next_at: datetime | None) -> None:
        delay = 0.2
        while True:
            try:
                if not await DeliveryRepository(self._pool).record(claimed, result, status, next_at):
                    log.info("delivery lease lost; another worker owns it", extra={"delivery_id": claimed.delivery_id})
                return
            except TRANSIENT_ERRORS as exc:
                if self._loop.stopping:
                    return  # the lease runs out and another attempt follows, with the same webhook-id
                log.warning("deliveries: cannot record an attempt; retrying", extra={"error": repr(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)



class _Unconfigured:
    """The sender of a connector this replica was not given: each attempt fails, and is retried."""

    def __init__(self, connector: str, now: Callable[[], datetime]) -> None:
        self._connector, self._now = connector, now

    async def send(self, claimed: Claimed) -> AttemptResult:
        return AttemptResult(self._now(), 0.0, None, f"connector {self._connector!r} is not configured on this replica")

    async def close(self) -> None:
        return None
