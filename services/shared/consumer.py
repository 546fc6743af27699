"""The consumer loop: batch -> one DB transaction (inbox, state, outbox) -> commit offsets.

Offsets are committed at most every `commit_interval_s` while records keep coming, once the
topic goes quiet (a wait for records brings none), before partitions are revoked, and at
shutdown. Committing later only ever means redelivery after a crash, which the inbox drops; a
commit per batch was a broker round trip on every batch's path and most of the broker's work at
a steady trickle of events.

While records flow, the broker gathers the batches; while the topic is quiet, it long-polls.
A loop starts long-polling (kafka.LONG_POLL: the broker answers a fetch as soon as a record is
there, else after 5 s), so an idle loop costs the broker a fetch every 5 s. Once records
come, the loop has the broker hold each fetch for `linger_ms` or until a megabyte is there: the
records arriving meanwhile share one batch and its transaction's fixed round trips, which at a
steady trickle costs less latency than it adds (docs/performance.md), at one fetch per batch.
A wait of `linger_ms` that brings nothing means quiet again: back to the long poll. So the first
record after a quiet spell is applied at once, and a stop ends any wait at once.

Both simpler ways measured worse. The broker holding every fetch `linger_ms` for good cost each
idle loop a hundred fetches a second (10 ms). Gathering on the client (wait after the first
record, take what arrives) has the long-polling broker answer a fetch per arriving record: at 200
events/s a 250 ms gather made 171 fetches a second instead of 4, and 8% of a core.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord, TopicPartition
from pydantic import TypeAdapter

from schemas.envelope import CloudEvent
from services.shared import cloudevents
from services.shared.dlq import dead_letter
from services.shared.inbox import claim_new
from services.shared.kafka import LONG_POLL, set_fetch_wait
from services.shared.tracing import consuming

log = logging.getLogger(__name__)

LANE_MIN_RECORDS = 100  # a batch is split into lanes of at least this many records
GATHER_BYTES = 1 << 20  # a gathering fetch is answered before its linger only past this much
# While gathering, a wait this much longer than the linger that brings nothing means quiet.
QUIET_MARGIN_S = 0.1

# The events are `Sequence[Any]`: the loop decodes each record through its topic's TypeAdapter
# (TOPIC_ADAPTERS), so a handler receives that topic's event model (QualifiedEvent, ...) and names
# it in its own signature. Callable parameters are contravariant: `Sequence[CloudEvent]` here would
# reject every handler that takes a subclass.
BatchHandler = Callable[[asyncpg.Connection, Sequence[Any]], Awaitable[None]]
Batch = dict[TopicPartition, list[ConsumerRecord]]  # what getmany returns: each partition's records in order

# Errors of the infrastructure, not of the record: wait and retry, never dead-letter.
TRANSIENT_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.TooManyConnectionsError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
    # A restarting server (class 57: "terminating connection due to administrator command",
    # "the database system is shutting down / starting up"). `make chaos` caught valid events
    # dead-lettered with these during a PostgreSQL restart.
    asyncpg.OperatorInterventionError,
)


class RecordRejected(Exception):
    """A handler's verdict that a record can never be applied (unknown lead, invalid value):
    it goes to the dead-letter topic with this message at once, without retries."""


@dataclass(frozen=True)
class Delivery:
    record: ConsumerRecord
    event: CloudEvent


def split_lanes(deliveries: list[Delivery], lanes: int) -> list[list[Delivery]]:
    """The batch cut into at most `lanes` transactions to run side by side, by partition, so a
    partition stays in one lane and keeps its order. A small batch stays whole: splitting it
    costs more round trips than it overlaps."""
    width = min(lanes, max(1, len(deliveries) // LANE_MIN_RECORDS))
    split: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        split.setdefault(delivery.record.partition % width, []).append(delivery)
    return list(split.values())


@dataclass
class LoopStats:
    """Counters the service exports as metrics."""

    consumed: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    skipped: int = 0  # undecodable, left to the group that dead-letters the topic's records
    batches: int = 0


# aiokafka ships no type information (no py.typed), so its base class is Any to mypy.
class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: "ConsumerLoop") -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        # Let the in-flight batch finish and commit before the partitions move away.
        async with self._loop.batch_lock:
            await self._loop.commit_pending()

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"count": len(assigned), "loop": self._loop.name})


class ConsumerLoop:
    """Consumes one topic in batches and applies each batch exactly once to PostgreSQL."""

    def __init__(
        self,
        *,
        name: str,
        topic: str,
        consumer: AIOKafkaConsumer,
        dlq_producer: AIOKafkaProducer,
        pool: asyncpg.Pool,
        schema: str,
        adapter: TypeAdapter[CloudEvent],
        handler: BatchHandler,
        poll_ms: int = 200,
        batch_max: int = 500,
        retries: int = 3,
        commit_interval_s: float = 1.0,
        lanes: int = 1,
        linger_ms: int = 0,
        context: Callable[[], dict[str, Any]] | None = None,
        dead_letters_undecodable: bool = True,
    ) -> None:
        self.name = name
        self.topic = topic
        self.consumer = consumer
        self.stats = LoopStats()
        self.batch_lock = asyncio.Lock()
        self._dlq_producer = dlq_producer
        self._pool = pool
        self._schema = schema
        self._adapter = adapter
        self._handler = handler
        self._poll_ms = poll_ms
        self._batch_max = batch_max
        self._retries = retries
        self._commit_interval_s = commit_interval_s
        # Lanes: the batch's partitions split into this many transactions run side by side, so
        # one lane's Python work overlaps another's database round trips. Only for handlers whose
        # transactions on different partitions touch different rows (the scorer: rows per lead).
        self._lanes = max(1, lanes)
        self._linger_ms = linger_ms
        self._context = context
        self._dead_letters_undecodable = dead_letters_undecodable
        self._gathering = False  # the broker holds fetches for linger_ms (records are flowing)
        self._pending: dict[TopicPartition, int] = {}  # applied, not yet committed
        self._committed_at = time.monotonic()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stops fetching; the batch in flight still finishes and commits."""
        self._stopping.set()

    @property
    def assigned(self) -> bool:
        return bool(self.consumer.assignment())

    async def run(self) -> None:
        """Runs until stop(); Kafka hiccups are retried, never fatal."""
        self.consumer.subscribe([self.topic], listener=_CommitOnRevoke(self))
        while not self._stopping.is_set():
            if self._gathering:
                wait_s = self._linger_ms / 1000 + QUIET_MARGIN_S
            else:
                wait_s = self._poll_ms / 1000
            try:
                batch = await self._getmany(wait_s, self._batch_max)
            except KafkaError as exc:
                log.warning("fetch failed; retrying", extra={"error": repr(exc)})
                await asyncio.sleep(1)
                continue
            self._broker_gathers(bool(batch))
            async with self.batch_lock:
                if batch:
                    await self._process(batch)
                if not batch or time.monotonic() - self._committed_at >= self._commit_interval_s:
                    await self.commit_pending()
        async with self.batch_lock:
            await self.commit_pending()  # stopping: what was applied is committed before leaving

    def _broker_gathers(self, flowing: bool) -> None:
        """Has the broker gather the next fetches for `linger_ms` while records flow, and
        long-poll again once they stop (a fetch already sent keeps the wait it was sent with)."""
        if self._linger_ms and flowing != self._gathering:
            set_fetch_wait(self.consumer, *((GATHER_BYTES, self._linger_ms) if flowing else LONG_POLL))
            self._gathering = flowing

    async def _getmany(self, wait_s: float, max_records: int) -> Batch:
        """Records from the prefetch buffer, waiting at most `wait_s` for some to arrive; the wait
        ends early (with none) when stop() is called, so neither an idle poll nor a gathering fetch
        holds a shutdown. What is buffered already is taken without a task (the busy path);
        cancelling a waiting getmany loses nothing: it takes records from the buffer as it returns."""
        got: Batch = await self.consumer.getmany(timeout_ms=0, max_records=max_records)
        if got or not wait_s or self._stopping.is_set():
            return got
        fetch = asyncio.ensure_future(
            self.consumer.getmany(timeout_ms=math.ceil(wait_s * 1000), max_records=max_records)
        )
        stopped = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait((fetch, stopped), return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if fetch.done():
            got = fetch.result()
        else:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetch
        return got

    async def _process(self, batch: Batch) -> None:
        records = [r for tp_records in batch.values() for r in tp_records]
        self.stats.consumed += len(records)
        deliveries: list[Delivery] = []
        context = self._context() if self._context else None
        for record in records:
            try:
                event = cloudevents.decode(self._adapter, record.value, record.headers, context)
            except cloudevents.UndecodableRecord as exc:
                if self._dead_letters_undecodable:
                    await self._dead_letter(record, str(exc))
                else:
                    self.stats.skipped += 1
                    log.debug("undecodable record skipped", extra={"error": str(exc), "offset": record.offset})
                continue
            deliveries.append(Delivery(record, event))
        if deliveries:
            lanes = split_lanes(deliveries, self._lanes)
            applied = await asyncio.gather(*(self._apply_batch(lane) for lane in lanes))
            if not all(applied):
                return  # stopping while infrastructure is down: leave offsets uncommitted
        self._pending.update({tp: recs[-1].offset + 1 for tp, recs in batch.items()})
        self.stats.batches += 1

    async def commit_pending(self) -> None:
        """Commits the offsets of the batches applied since the last commit."""
        self._committed_at = time.monotonic()
        owned = self.consumer.assignment()
        offsets = {tp: offset for tp, offset in self._pending.items() if tp in owned}
        self._pending = {}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # A rebalance took the partitions; the inbox makes the redelivery harmless.
            log.warning("offset commit failed", extra={"error": repr(exc)})

    async def _apply_batch(self, deliveries: list[Delivery]) -> bool:
        """Applies the whole batch in one transaction; isolates a failing record if it must."""
        try:
            return await self._with_transient_retry(lambda: self._apply(deliveries))
        except Exception as exc:  # a record's own fault: find it, one transaction per record
            log.warning("batch failed; isolating records", extra={"error": repr(exc)})
        for delivery in deliveries:
            if not await self._apply_one(delivery):
                return False
        return True

    async def _apply_one(self, delivery: Delivery) -> bool:
        last_error: Exception | None = None
        for _ in range(self._retries):
            try:
                return await self._with_transient_retry(lambda: self._apply([delivery]))
            except RecordRejected as exc:
                await self._dead_letter(delivery.record, f"rejected: {exc}")
                return True
            except Exception as exc:
                last_error = exc
        await self._dead_letter(delivery.record, f"processing failed: {last_error!r}")
        return True

    async def _with_transient_retry(self, attempt: Callable[[], Awaitable[None]]) -> bool:
        """Retries infrastructure errors until they pass; False if asked to stop meanwhile."""
        delay = 0.2
        while True:
            try:
                await attempt()
                return True
            except TRANSIENT_ERRORS as exc:
                if self._stopping.is_set():
                    return False
                log.warning("database unavailable; retrying", extra={"error": repr(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _apply(self, deliveries: Sequence[Delivery]) -> None:
        keys = [d.event.dedupe_key for d in deliveries]
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = await claim_new(conn, self._schema, self.name, keys)
            events: list[CloudEvent] = []
            causes: dict[str, CloudEvent] = {}  # by record key: the latest event of each lead
            for d in deliveries:
                if d.event.dedupe_key in fresh:
                    fresh.discard(d.event.dedupe_key)  # a duplicate within the batch too
                    events.append(d.event)
                    if d.record.key is not None:
                        causes[d.record.key.decode(errors="replace")] = d.event
            if events:
                with consuming(self.topic, self.name, causes):
                    await self._handler(conn, events)
        self.stats.applied += len(events)
        self.stats.duplicates += len(deliveries) - len(events)

    async def _dead_letter(self, record: ConsumerRecord, reason: str) -> None:
        await dead_letter(self._dlq_producer, record, reason)
        self.stats.dead_lettered += 1
