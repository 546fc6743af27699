"""The transactional outbox: events written with the state change, published after commit."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind

from schemas.envelope import CloudEvent
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from services.shared.notified import NotifiedLoop
from services.shared.tracing import context_of, continued, traceparent_in, tracer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxMessage:
    """One event bound for one topic, keyed by lead key."""

    topic: str
    key: str
    event: CloudEvent


def notify_channel(schema: str) -> str:
    return f"{schema}_outbox"


async def add_to_outbox(
    conn: asyncpg.Connection, schema: str, messages: Sequence[OutboxMessage]
) -> None:
    """Stores `messages` in the caller's transaction and wakes the relay on commit."""
    if not messages:
        return
    messages = [OutboxMessage(m.topic, m.key, continued(m.key, m.event)) for m in messages]
    await conn.execute(  # one round trip: the insert as a CTE, the notify as the statement
        f'WITH added AS (INSERT INTO "{schema}".outbox (topic, key, value)'
        " SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]))"
        " SELECT pg_notify($4, '')",
        [m.topic for m in messages],
        [m.key for m in messages],
        [encode(m.event) for m in messages],
        notify_channel(schema),
    )


class OutboxRelay:
    """Publishes outbox rows with the idempotent producer, then deletes them."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        schema: str,
        *,
        batch_max: int = 1000,
        idle_wait_s: float = 1.0,
        on_published: Callable[[str, int], None] | None = None,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._schema = schema
        self._batch_max = batch_max
        self._on_published = on_published or (lambda topic, n: None)
        self._loop = NotifiedLoop(pool, notify_channel(schema), idle_wait_s, "outbox relay")

    def stop(self) -> None:
        self._loop.stop()

    async def publish_once(self) -> int:
        """Publishes one batch; returns how many rows it published."""
        async with self._pool.acquire() as conn, conn.transaction():
            # Deleted and read in one statement; the delete commits only after every ack, so a
            # failed send rolls it back. SKIP LOCKED lets several replicas relay at once.
            rows = await conn.fetch(
                f'DELETE FROM "{self._schema}".outbox WHERE id IN (SELECT id FROM "{self._schema}".outbox'
                " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id, topic, key, value",
                self._batch_max,
            )
            if not rows:
                return 0
            rows = sorted(rows, key=lambda r: r["id"])  # RETURNING has no order: keep the outbox's
            contexts = [c for r in rows if (c := context_of(traceparent=traceparent_in(r["value"])))]
            with tracer().start_as_current_span(
                    "handoff.relay", kind=SpanKind.PRODUCER,
                    links=[Link(trace.get_current_span(c).get_span_context()) for c in contexts],
                    attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(rows)}):
                futures = [
                    await self._producer.send(
                        r["topic"], r["value"], key=r["key"].encode(), headers=STRUCTURED_HEADERS
                    )
                    for r in rows
                ]
                await asyncio.gather(*futures)
        for r in rows:
            self._on_published(r["topic"], 1)
        return len(rows)

    async def run(self) -> None:
        """Relays until stopped; wakes on NOTIFY, polls as a fallback."""
        await self._loop.run(self._publish_pending)

    async def _publish_pending(self) -> bool:
        return await self.publish_once() > 0
