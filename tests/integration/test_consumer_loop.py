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
from aiokafka.protocol.fetch import FetchRequest

from schemas.topics import Topic, dlq_topic
from services.cli.setup import run_migrations
from services.shared.config import Settings
from services.shared.kafka import LONG_POLL, ensure_topics
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


async def test_a_second_reader_of_a_topic_skips_what_it_cannot_decode_and_dead_letters_nothing(isolated):
    topic = isolated.topic(Topic.ENGAGEMENT)
    good = unique_email("readable")
    # One key, one partition: the unreadable record comes first.
    await produce_raw(isolated.kafka_bootstrap, topic, b"\x00not json", key=good.encode(), headers=STRUCTURED)
    await produce_raw(isolated.kafka_bootstrap, topic, orjson.dumps(engagement(good)), key=good.encode(),
                      headers=STRUCTURED)
    applied: list[str] = []

    async def handler(conn, events):
        applied.extend(e.data.email for e in events)

    runtime = Runtime(isolated, "scorer")
    await runtime.start([ConsumerSpec("second-reader", Topic.ENGAGEMENT, handler, dead_letters_undecodable=False)],
                        relay=False)

    async def done():
        return good in applied

    try:
        await wait_for(done, timeout=30)
    finally:
        await runtime.stop()
    assert (runtime.loops[0].stats.skipped, runtime.loops[0].stats.dead_lettered) == (1, 0)
    assert sum((await end_offsets(isolated.kafka_bootstrap, dlq_topic(topic))).values()) == 0


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

    async def handler(conn, events):
        # Lanes run side by side only when one fetch spans partitions, which the broker decides;
        # how a batch is split is specified in tests/unit/test_consumer_lanes.py.
        await asyncio.sleep(0.01)
        for e in events:
            seen.setdefault(e.data.email, []).append(e.data.occurred_at.isoformat())

    async def done():
        return sum(map(len, seen.values())) == len(leads) * steps

    runtime = await _run_loop(isolated, handler, done, lanes=3)
    assert runtime.loops[0].stats.applied == len(leads) * steps
    assert all(days == sorted(days) and len(days) == steps for days in seen.values())


async def _started(settings: Settings, specs: list[ConsumerSpec]) -> Runtime:
    """A runtime whose loops hold their partitions and have made their first fetches."""
    runtime = Runtime(settings, "scorer")
    await runtime.start(specs, relay=False)

    async def assigned():
        return all(loop.assigned for loop in runtime.loops)

    await wait_for(assigned, timeout=30)
    await asyncio.sleep(1)  # the positions looked up, the first fetches out
    return runtime


def _count_fetch_requests(consumer) -> list[int]:
    """A counter of the fetch requests the consumer's client sends from now on."""
    count, send = [0], consumer._client.send

    def counting(node_id, request, *args, **kwargs):
        if isinstance(request, FetchRequest):
            count[0] += 1
        return send(node_id, request, *args, **kwargs)

    consumer._client.send = counting
    return count


async def _produce_spaced(bootstrap: str, topic: str, emails: list[str], gap_s: float) -> None:
    """One record per email, sent `gap_s` apart, each acknowledged before the next."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for step, email in enumerate(emails):
            event = engagement(email, occurred_at=f"2026-01-01T00:{step:02d}:00Z")
            await producer.send_and_wait(topic, orjson.dumps(event), key=email.encode(), headers=STRUCTURED)
            await asyncio.sleep(gap_s)
    finally:
        await producer.stop()


async def test_an_idle_loop_asks_the_broker_a_few_times_a_second_not_a_hundred(isolated):
    async def handler(conn, events):
        pass

    runtime = await _started(isolated, [ConsumerSpec("idle-linger", Topic.ENGAGEMENT, handler),
                                        ConsumerSpec("idle-gather", Topic.ENGAGEMENT, handler, gathers=True)])
    rounds = []
    try:
        for traffic in (False, True):  # from the start, then once a record has come and gone
            if traffic:
                await _produce_spaced(isolated.kafka_bootstrap, isolated.topic(Topic.ENGAGEMENT),
                                      [unique_email("idle")], 0)

                async def both_applied():
                    return all(loop.stats.applied == 1 for loop in runtime.loops)

                await wait_for(both_applied, timeout=30)
                await asyncio.sleep(1)  # a gathering wait that brings nothing: long-polling again
            counts = {loop.name: _count_fetch_requests(loop.consumer) for loop in runtime.loops}
            await asyncio.sleep(2)
            rounds.append({name: count[0] for name, count in counts.items()})
    finally:
        await runtime.stop()
    # The broker holds an idle fetch 5 s: at most one starts in 2 s (a 10 ms gathering wait kept for good
    # made 200).
    assert all(n <= 2 for fetches in rounds for n in fetches.values()), rounds


async def test_records_arriving_within_the_linger_land_in_one_batch_in_partition_order(isolated):
    settings = isolated.model_copy(update={"consumer_linger_ms": 3000})
    topic = settings.topic(Topic.ENGAGEMENT)
    batches: list[list[tuple[str, str]]] = []

    async def handler(conn, events):
        batches.append([(e.data.email, e.data.occurred_at.isoformat()) for e in events])

    runtime = await _started(settings, [ConsumerSpec("linger-test", Topic.ENGAGEMENT, handler)])
    leads = [unique_email("linger-a"), unique_email("linger-b"), unique_email("linger-c")]
    sent = [leads[step % len(leads)] for step in range(6)]
    try:
        # The first record after a quiet spell is applied at once and makes the loop gather (the
        # fetch the client had already sent long-polls, so a second one may come alone too).
        for warm in ("warm-1", "warm-2"):
            count = len(batches) + 1  # before producing: the record may be applied before the send returns
            await _produce_spaced(settings.kafka_bootstrap, topic, [unique_email(warm)], 0)

            async def applied(count=count):
                return len(batches) == count

            await wait_for(applied, timeout=30)
        # One at a time, well within the linger: a lead's events share a partition.
        await _produce_spaced(settings.kafka_bootstrap, topic, sent, 0.1)

        async def all_applied():
            return runtime.loops[0].stats.applied == 2 + len(sent)

        await wait_for(all_applied, timeout=30)
    finally:
        await runtime.stop()
    last = batches[-1]
    assert len(batches) == 3 and sorted(email for email, _ in last) == sorted(sent)  # one transaction
    for lead in leads:  # in it, each lead's events (its partition's records) in the order sent
        steps = [at for email, at in last if email == lead]
        assert steps == sorted(steps) and len(steps) == 2


async def test_stopping_ends_a_gathering_wait_and_leaves_what_the_broker_held_uncommitted(isolated):
    settings = isolated.model_copy(update={"consumer_gather_ms": 60_000})
    topic = settings.topic(Topic.ENGAGEMENT)
    applied: list[str] = []

    async def handler(conn, events):
        applied.extend(e.data.email for e in events)

    runtime = await _started(settings, [ConsumerSpec("gather-stop", Topic.ENGAGEMENT, handler, gathers=True)])
    first, held = unique_email("applied"), unique_email("held")
    try:
        await _produce_spaced(settings.kafka_bootstrap, topic, [first], 0)

        async def first_applied():
            return applied == [first]

        await wait_for(first_applied, timeout=30)
        await asyncio.sleep(LONG_POLL[1] / 1000 + 0.5)  # the fetch sent before the loop began gathering has
        # long-polled out
        await _produce_spaced(settings.kafka_bootstrap, topic, [held], 0.5)  # the broker holds it
        assert applied == [first]  # gathering for the minute
    finally:
        await asyncio.wait_for(runtime.stop(), timeout=20)  # not the minute the gather had left
    assert applied == [first]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(settings.group("gather-stop"))
    finally:
        await admin.close()
    assert sum(max(meta.offset, 0) for meta in committed.values()) == 1  # the held one is redelivered


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
