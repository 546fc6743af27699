"""SIGTERM while a batch is in flight: the batch ends fully committed (database and offsets) or
not at all, and the next process picks up exactly where the first one stopped."""

import signal
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import Topic
from services.scorer.config import CONSUMER_GROUP
from tests.support.events import engagement, unique_email
from tests.support.isolated import isolated_stack
from tests.support.kafka import wait_for
from tests.support.stack import ROOT, TEST_ADMIN_KEY, start_service, wait_ready

EVENTS = 4000


def _env(world) -> dict[str, str]:
    return {"HANDOFF_DATABASE_URL": world.settings.database_url, "HANDOFF_KAFKA_BOOTSTRAP": world.bootstrap,
            "HANDOFF_TOPIC_PREFIX": world.settings.topic_prefix, "HANDOFF_ADMIN_KEY": TEST_ADMIN_KEY,
            "HANDOFF_CONSUMER_BATCH_MAX": "200"}


async def _produce(world, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=world.bootstrap, enable_idempotence=True, linger_ms=20)
    await producer.start()
    try:
        topic = world.topic(Topic.ENGAGEMENT)
        for _ in range(n):
            event = engagement(unique_email("drain"), "page_view")
            await producer.send(topic, orjson.dumps(event), key=event["data"]["email"].encode(),
                                headers=[("content-type", b"application/cloudevents+json")])
        await producer.flush()
    finally:
        await producer.stop()


async def _committed(world) -> int:
    """Records the scorer group has committed, summed over partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=world.bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(world.settings.group(CONSUMER_GROUP))
        return sum(meta.offset for tp, meta in offsets.items() if tp.topic == world.topic(Topic.ENGAGEMENT))
    finally:
        await admin.close()


async def test_sigterm_mid_batch_leaves_the_database_and_the_offsets_in_step(stack):
    async with isolated_stack(stack.settings, "drain", ROOT / "tests" / "data" / "one-rep.yaml",
                              datetime.now(UTC)) as world:
        await _produce(world, EVENTS)
        scorer = start_service("scorer", _env(world), ROOT / ".run" / "test-logs")
        await wait_ready(scorer)
        async with world.db() as conn:
            async def applied() -> int:
                return await conn.fetchval("SELECT count(*) FROM scorer.engagement_events")

            assert await wait_for(lambda: _between(applied, 1, EVENTS - 1), interval=0.02)
            assert scorer.terminate() in (0, -signal.SIGTERM)  # mid-stream, batches of 200
            stopped_at = await applied()
            assert 0 < stopped_at < EVENTS
            assert await _committed(world) == stopped_at  # the in-flight batch: all or nothing, both sides

            successor = start_service("scorer", _env(world), ROOT / ".run" / "test-logs")
            try:
                await wait_ready(successor)
                assert await wait_for(lambda: _between(applied, EVENTS, EVENTS), timeout=90, interval=0.5)
                assert await conn.fetchval("SELECT count(*) FROM scorer.inbox") == EVENTS
            finally:
                successor.terminate()


async def _between(count, low: int, high: int) -> bool:
    return low <= await count() <= high
