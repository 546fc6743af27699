"""The long-lived parts of one service process: pool, producer, consumer loops, outbox relay."""

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from schemas.messages import TOPIC_ADAPTERS
from schemas.topics import Topic
from services.shared.config import Settings
from services.shared.consumer import BatchHandler, ConsumerLoop
from services.shared.db import create_pool
from services.shared.jobs import Job
from services.shared.kafka import make_consumer, make_producer
from services.shared.outbox import OutboxRelay

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumed topic: `name` is the consumer group and the inbox name."""

    name: str
    topic: Topic
    handler: BatchHandler
    # Off the routing path (lifecycle bookkeeping, webhook fan-out): while records flow, the
    # broker gathers each fetch for HANDOFF_CONSUMER_GATHER_MS, one bigger batch instead of many
    # small ones; the routing path's consumers let it linger HANDOFF_CONSUMER_LINGER_MS only.
    gathers: bool = False
    # Transactions side by side per batch, split by partition (see ConsumerLoop); 1 for handlers
    # that keep state across a batch's decisions (the router's rep counts).
    lanes: int = 1
    # The validation context each record is decoded with (schemas.bounds.arrival_context: the future
    # an occurrence may not be in); None: the records are the services' own.
    context: Callable[[], dict[str, Any]] | None = None
    # False for a second reader of a topic another group already answers for: a record it cannot
    # decode is skipped (counted), since that group dead-letters it, once.
    dead_letters_undecodable: bool = True


class Runtime:
    """Starts in lifespan, stops gracefully: stop fetching, drain, commit, leave, flush."""

    def __init__(self, settings: Settings, schema: str) -> None:
        self.settings = settings
        self.schema = schema
        self.pool: asyncpg.Pool | None = None
        self.producer: AIOKafkaProducer | None = None
        self.loops: list[ConsumerLoop] = []
        self.relay: OutboxRelay | None = None
        self.published: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._on_stop: list[Callable[[], None]] = []  # stop() callbacks of spawned jobs

    async def open(self, *, relay: bool = True) -> None:
        """Opens the pool and the producer, and starts the outbox relay."""
        s = self.settings
        self.pool = await create_pool(s)
        self.producer = make_producer(s)
        await self.producer.start()
        if relay:
            self.relay = OutboxRelay(
                self.pool, self.producer, self.schema, batch_max=s.outbox_batch_max,
                idle_wait_s=s.outbox_idle_wait_s, on_published=self._count_published,
            )
            self.spawn(self.relay.run(), "outbox-relay")

    async def consume(self, consumers: Sequence[ConsumerSpec]) -> None:
        """Starts one consumer loop per spec."""
        s = self.settings
        for spec in consumers:
            # Long-polling while quiet, gathering for the linger while records flow (ConsumerLoop):
            # a few records share a transaction's round trips, an idle consumer costs little.
            consumer = make_consumer(s, spec.name)
            await consumer.start()
            loop = ConsumerLoop(
                name=spec.name, topic=s.topic(spec.topic), consumer=consumer,
                dlq_producer=self.producer, pool=self.pool, schema=self.schema,
                adapter=TOPIC_ADAPTERS[spec.topic], handler=spec.handler,
                poll_ms=s.consumer_poll_ms, batch_max=s.consumer_batch_max,
                retries=s.consumer_retries, commit_interval_s=s.consumer_commit_interval_ms / 1000,
                lanes=spec.lanes, context=spec.context, dead_letters_undecodable=spec.dead_letters_undecodable,
                linger_ms=s.consumer_gather_ms if spec.gathers else s.consumer_linger_ms,
            )
            self.loops.append(loop)
            self.spawn(loop.run(), f"consumer-{spec.name}")

    async def start(self, consumers: Sequence[ConsumerSpec], *, relay: bool = True) -> None:
        """open() then consume()."""
        await self.open(relay=relay)
        await self.consume(consumers)

    def start_job(self, job: Job) -> asyncio.Task[None]:
        """Runs a background job for the life of the process; it is stopped at shutdown."""
        return self.spawn(job.run(), job.name, stop=job.stop)

    def spawn(
        self, coro: Coroutine[Any, Any, None], name: str, stop: Callable[[], None] | None = None
    ) -> asyncio.Task[None]:
        """Runs a background job for the life of the process; `stop` asks it to end at shutdown."""
        if stop is not None:
            self._on_stop.append(stop)
        task = asyncio.create_task(coro, name=name)
        self._tasks.append(task)
        return task

    def _count_published(self, topic: str, n: int) -> None:
        self.published[topic] = self.published.get(topic, 0) + n

    async def stop(self, timeout_s: float = 20.0) -> None:
        """Graceful shutdown; the batch in flight either commits fully or not at all."""
        for loop in self.loops:
            loop.stop()
        if self.relay:
            self.relay.stop()
        for stop in self._on_stop:
            stop()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
            for task in done:
                if task.exception():
                    log.error("background task failed", exc_info=task.exception())
        for loop in self.loops:
            await loop.consumer.stop()  # leaves the group so partitions move at once
        if self.producer:
            await self.producer.stop()  # flushes
        if self.pool:
            await self.pool.close()

    def failed_tasks(self) -> list[str]:
        return [t.get_name() for t in self._tasks if t.done()]

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state: `ok` or what is wrong."""
        checks: dict[str, str] = {}
        try:
            assert self.pool is not None  # open() made it before the app serves a request
            async with self.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:  # readiness reports, it does not raise
            checks["database"] = f"unavailable: {exc.__class__.__name__}"
        try:
            assert self.producer is not None  # open() made it before the app serves a request
            await asyncio.wait_for(self.producer.client.fetch_all_metadata(), 2)
            checks["kafka"] = "ok"
        except Exception as exc:
            checks["kafka"] = f"unavailable: {exc.__class__.__name__}"
        for loop in self.loops:
            checks[f"consumer:{loop.name}"] = "ok" if loop.assigned else "no partitions assigned"
        for name in self.failed_tasks():
            checks[f"task:{name}"] = "stopped"
        return checks
