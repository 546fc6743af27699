"""Dead letters read back and replayed on the real broker and database: after the fix, a replayed
record is applied once, however often it is replayed."""

import uuid
from collections.abc import AsyncIterator, Callable

import orjson
import pytest

from schemas.topics import Topic, dlq_topic
from services.shared.config import Settings
from services.shared.consumer import LoopStats
from services.shared.dlq import REPLAYED_FROM, DeadLetterFilter, dead_letters, dlq_depths, replay
from services.shared.kafka import ensure_topics
from services.shared.runtime import ConsumerSpec, Runtime
from tests.support.events import engagement, unique_email
from tests.support.isolated import drop_topics
from tests.support.kafka import end_offsets, header, produce_raw, read_until, wait_for

STRUCTURED = [("content-type", b"application/cloudevents+json")]


@pytest.fixture
async def isolated(stack) -> AsyncIterator[Settings]:
    settings = stack.settings.model_copy(update={"topic_prefix": f"replay-{uuid.uuid4().hex[:8]}."})
    await ensure_topics(settings)
    yield settings
    await drop_topics(settings)


async def _consume(settings: Settings, handler, until: Callable[[LoopStats], bool]) -> Runtime:
    runtime = Runtime(settings, "scorer")
    await runtime.start([ConsumerSpec("replay-test", Topic.ENGAGEMENT, handler)], relay=False)

    async def done() -> bool:
        return until(runtime.loops[0].stats)

    try:
        await wait_for(done, timeout=30)
    finally:
        await runtime.stop()
    return runtime


async def _dead_letter_one(settings: Settings, email: str) -> None:
    """`email`'s event, dead-lettered by a handler with a bug."""
    topic = settings.topic(Topic.ENGAGEMENT)
    await produce_raw(settings.kafka_bootstrap, topic, orjson.dumps(engagement(email)), key=email.encode(),
                      headers=STRUCTURED)

    async def buggy(conn, events):
        raise KeyError("rep")

    await _consume(settings, buggy, lambda stats: stats.dead_lettered == 1)
    assert (await dlq_depths(settings, [topic]))[topic] == 1


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once_however_often_it_is_replayed(isolated):
    email = unique_email("replayed")
    await _dead_letter_one(isolated, email)
    topic = isolated.topic(Topic.ENGAGEMENT)
    first = await replay(isolated, topic, DeadLetterFilter())
    second = await replay(isolated, topic, DeadLetterFilter())
    assert len(first) == len(second) == 1 and first[0].to_topic == topic
    applied: list[str] = []

    async def fixed(conn, events):
        applied.extend(e.data.email for e in events)

    runtime = await _consume(isolated, fixed, lambda stats: stats.applied + stats.duplicates >= 2)
    assert applied == [email]
    assert runtime.loops[0].stats.duplicates == 1  # the second replay, recognised by the inbox
    assert runtime.loops[0].stats.dead_lettered == 0


async def test_a_replayed_record_carries_its_own_headers_and_where_it_was_replayed_from(isolated):
    email = unique_email("headers")
    await _dead_letter_one(isolated, email)
    topic = isolated.topic(Topic.ENGAGEMENT)
    [done] = await replay(isolated, topic, DeadLetterFilter())
    records = await read_until(isolated.kafka_bootstrap, topic, lambda rs: len(rs) >= 2)
    replayed = next(r for r in records if r.partition == done.to_partition and r.offset == done.to_offset)
    assert replayed.key == email.encode()
    assert header(replayed, "content-type") == "application/cloudevents+json"
    assert header(replayed, REPLAYED_FROM) == f"{dlq_topic(topic)}/{done.letter.partition}/{done.letter.offset}"
    assert header(replayed, "dlq.error") is None


async def test_a_dry_run_produces_nothing(isolated):
    await _dead_letter_one(isolated, unique_email("dry"))
    topic = isolated.topic(Topic.ENGAGEMENT)
    before = await end_offsets(isolated.kafka_bootstrap, topic)
    would = await replay(isolated, topic, DeadLetterFilter(), dry_run=True)
    assert len(would) == 1 and would[0].to_offset is None
    assert await end_offsets(isolated.kafka_bootstrap, topic) == before


async def test_reading_dead_letters_filters_by_reason_and_moves_no_group_offsets(isolated):
    await _dead_letter_one(isolated, unique_email("filtered"))
    topic = isolated.topic(Topic.ENGAGEMENT)
    assert [x async for x in dead_letters(isolated, topic, DeadLetterFilter(error_contains="KEYERROR"))]
    assert not [x async for x in dead_letters(isolated, topic, DeadLetterFilter(error_contains="timeout"))]
