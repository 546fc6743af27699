"""The shared consumer loop on the real broker and database, with a handler of the test's own."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import Topic, dlq_topic
from services.cli import run_migrations
from services.shared.config import Settings
from services.shared.kafka import ensure_topics
from services.shared.runtime import ConsumerSpec, Runtime
from tests.support.events import engagement, unique_email
from tests.support.isolated import drop_topics
from tests.support.kafka import end_offsets, header, produce_raw, read_until, wait_for

STRUCTURED = [("content-type", b"application/cloudevents+json")]


@pytest.fixture
async def isolated(stack) -> AsyncIterator[Settings]:
    """Topics of this test alone, so no running service competes for the records."""
    settings = stack.settings.model_copy(update={"topic_prefix": f"loop-{uuid.uuid4().hex[:8]}."})
    await ensure_topics(settings)
    yield settings
    await drop_topics(settings)  # left behind, a thousand runs' partitions slow the one local broker


async def _run_loop(settings: Settings, handler, until, lanes: int = 1) -> Runtime:
    runtime = Runtime(settings, "scorer")
    await runtime.start([ConsumerSpec("loop-test", Topic.ENGAGEMENT, handler, lanes=lanes)], relay=False)
    try:
        await wait_for(until, timeout=30)
    finally:
        await runtime.stop()
    return runtime


async def test_a_record_whose_handler_keeps_failing_is_dead_lettered_and_the_rest_applied(isolated):
    topic = isolated.topic(Topic.ENGAGEMENT)
    bad, good = unique_email("explodes"), unique_email("fine")
    for email in (bad, good):
        await produce_raw(isolated.kafka_bootstrap,
                          topic, orjson.dumps(engagement(email)), key=email.encode(), headers=STRUCTURED)
    attempts: dict[str, int] = {}
    applied: list[str] = []

    async def handler(conn, events):
        for e in events:
            attempts[e.data.email] = attempts.get(e.data.email, 0) + 1
            if e.data.email == bad:
                raise ValueError("this lead cannot be scored")
        applied.extend(e.data.email for e in events)

    async def done():
        return good in applied

    runtime = await _run_loop(isolated, handler, done)
    dead = await read_until(isolated.kafka_bootstrap, dlq_topic(topic), lambda rs: len(rs) >= 1)
    assert "this lead cannot be scored" in header(dead[0], "dlq.error")
    assert attempts[bad] == 1 + isolated.consumer_retries  # the batch, then each retry alone
    assert runtime.loops[0].stats.dead_lettered == 1


async def test_a_restarting_database_is_waited_for_not_taken_for_a_poison_record(isolated):
    # `make chaos` found valid events dead-lettered while PostgreSQL restarted (57P03 at connect).
    topic = isolated.topic(Topic.ENGAGEMENT)
    email = unique_email("restart")
    await produce_raw(isolated.kafka_bootstrap, topic, orjson.dumps(engagement(email)), key=email.encode(),
                      headers=STRUCTURED)
    failures = 2 + isolated.consumer_retries  # more than a poison record gets: the batch, then each retry
    attempts: list[str] = []

    async def handler(conn, events):
        attempts.append(events[0].data.email)
        if len(attempts) <= failures:
            raise asyncpg.CannotConnectNowError("the database system is shutting down")

    async def done():
        return len(attempts) > failures

    runtime = await _run_loop(isolated, handler, done)
    assert runtime.loops[0].stats.dead_lettered == 0
    assert runtime.loops[0].stats.applied == 1


async def test_offsets_are_committed_after_the_batch(isolated):
    topic = isolated.topic(Topic.ENGAGEMENT)
    for _ in range(3):
        email = unique_email("committed")
        await produce_raw(isolated.kafka_bootstrap, topic, orjson.dumps(engagement(email)),
                          key=email.encode(), headers=STRUCTURED)
    seen: list[str] = []

    async def handler(conn, events):
        seen.extend(e.data.email for e in events)

    async def done():
        return len(seen) == 3

    await _run_loop(isolated, handler, done)
    ends = await end_offsets(isolated.kafka_bootstrap, topic)
    admin = AIOKafkaAdminClient(bootstrap_servers=isolated.kafka_bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(isolated.group("loop-test"))
    finally:
        await admin.close()
    assert {tp.partition: meta.offset for tp, meta in committed.items() if meta.offset >= 0} == {
        p: off for p, off in ends.items() if off > 0}


async def test_lanes_apply_every_record_once_and_each_lead_in_order(isolated):
    topic = isolated.topic(Topic.ENGAGEMENT)
    leads, steps = [unique_email("lane") for _ in range(12)], 100  # batches big enough to split
    producer = AIOKafkaProducer(bootstrap_servers=isolated.kafka_bootstrap, enable_idempotence=True, linger_ms=20)
    await producer.start()
    try:
        for step in range(steps):
            at = (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=step)).isoformat()
            for email in leads:  # keyed by lead: each lead's events on one partition, in order
                await producer.send(topic, orjson.dumps(engagement(email, occurred_at=at)), key=email.encode(),
                                    headers=STRUCTURED)
        await producer.flush()
    finally:
        await producer.stop()
    seen: dict[str, list[str]] = {}
    running, side_by_side = set(), [0]  # side_by_side[0]: the most handlers seen running at once

    async def handler(conn, events):
        running.add(id(events))
        side_by_side[0] = max(side_by_side[0], len(running))
        for _ in range(50):  # up to 0.5 s for another lane to come in: its connection may be a new one
            if side_by_side[0] > 1:
                break
            await asyncio.sleep(0.01)
        running.discard(id(events))
        for e in events:
            seen.setdefault(e.data.email, []).append(e.data.occurred_at.isoformat())

    async def done():
        return sum(map(len, seen.values())) == len(leads) * steps

    runtime = await _run_loop(isolated, handler, done, lanes=3)
    assert runtime.loops[0].stats.applied == len(leads) * steps
    assert all(days == sorted(days) and len(days) == steps for days in seen.values())
    assert side_by_side[0] > 1


async def test_migrations_are_idempotent(stack):
    assert await run_migrations(stack.settings.database_url) == {"access": [], "scorer": [], "router": []}


async def test_engagement_older_than_the_retention_is_purged(stack, db):
    from datetime import UTC, datetime, timedelta

    from services.scorer.scoring.retention import RetentionJob

    await db.execute(
        "INSERT INTO scorer.engagement_events (event_key, lead_key, source, activity, occurred_at, payload)"
        " VALUES ('old#1', 'old@retention.example', 'api', 'page_view', $1, '{}'),"
        " ('new#1', 'new@retention.example', 'api', 'page_view', $2, '{}')",
        datetime(2019, 1, 1, tzinfo=UTC), datetime.now(UTC))
    job = RetentionJob(db, timedelta(days=400))
    assert await job.purge_once(datetime.now(UTC)) >= 1
    keys = await db.fetch("SELECT event_key FROM scorer.engagement_events WHERE event_key IN ('old#1', 'new#1')")
    assert [k["event_key"] for k in keys] == ["new#1"]
