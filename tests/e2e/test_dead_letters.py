"""A poison record lands in the dead-letter topic with its reason; the consumer keeps going."""

import orjson

from schemas.topics import Topic, dlq_topic
from tests.support.events import engagement, unique_email
from tests.support.kafka import body, header, produce_raw, read_until, wait_for

STRUCTURED = [("content-type", b"application/cloudevents+json")]


async def test_a_poison_record_goes_to_the_dlq_and_the_next_record_is_processed(stack, services):
    topic = stack.topic(Topic.ENGAGEMENT)
    poison_key = unique_email("poison").encode()
    await produce_raw(stack.bootstrap, topic, b"\x00not json at all", key=poison_key, headers=STRUCTURED)
    email = unique_email("after-poison")
    await produce_raw(stack.bootstrap, topic, orjson.dumps(engagement(email, "demo_request")),
                      key=email.encode(), headers=STRUCTURED)

    dead = await read_until(stack.bootstrap, dlq_topic(topic),
                            lambda rs: [r for r in rs if r.key == poison_key])
    record = next(r for r in dead if r.key == poison_key)
    assert record.value == b"\x00not json at all"
    assert header(record, "dlq.original.topic") == topic
    assert header(record, "dlq.original.partition").isdigit()
    assert header(record, "dlq.original.offset").isdigit()
    assert "not JSON" in header(record, "dlq.error")

    routed = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED),
                              lambda rs: [r for r in rs if r.key == email.encode()])
    assert any(body(r)["data"]["lead_key"] == email for r in routed)


async def test_a_record_of_the_wrong_schema_is_dead_lettered_with_the_field(stack, services):
    topic = stack.topic(Topic.ENGAGEMENT)
    event = engagement(unique_email("wrong"))
    event["data"]["activity"] = "Levitation!"  # no kind name
    key = event["data"]["email"].encode()
    await produce_raw(stack.bootstrap, topic, orjson.dumps(event), key=key, headers=STRUCTURED)

    dead = await read_until(stack.bootstrap, dlq_topic(topic), lambda rs: [r for r in rs if r.key == key])
    reason = header(next(r for r in dead if r.key == key), "dlq.error")
    assert "activity" in reason


async def test_a_binary_mode_cloudevent_is_accepted_from_kafka(stack, services):
    topic = stack.topic(Topic.ENGAGEMENT)
    email = unique_email("binary")
    data = engagement(email, "demo_request")["data"]
    headers = [
        ("ce_specversion", b"1.0"), ("ce_id", b"binary-1-" + email.encode()),
        ("ce_source", b"kafka-direct"), ("ce_type", b"handoff.engagement.recorded"),
        ("content-type", b"application/json"),
    ]
    await produce_raw(stack.bootstrap, topic, orjson.dumps(data), key=email.encode(), headers=headers)

    routed = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED),
                              lambda rs: [r for r in rs if r.key == email.encode()])
    assert body(next(r for r in routed if r.key == email.encode()))["data"]["rep_id"] == "rep-solo"


async def test_a_redelivered_event_is_applied_once(stack, services, db):
    topic = stack.topic(Topic.ENGAGEMENT)
    email = unique_email("twice")
    raw = orjson.dumps(engagement(email, "demo_request"))
    for _ in range(2):
        await produce_raw(stack.bootstrap, topic, raw, key=email.encode(), headers=STRUCTURED)
    # Same key, same partition: once this later event is stored, both copies were consumed.
    await produce_raw(stack.bootstrap, topic, orjson.dumps(engagement(email, "page_view")),
                      key=email.encode(), headers=STRUCTURED)

    async def both_consumed():
        n = await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = $1", email)
        return n == 2

    await wait_for(both_consumed)
    qualified = await read_until(stack.bootstrap, stack.topic(Topic.QUALIFIED),
                                 lambda rs: [r for r in rs if r.key == email.encode()])
    assert len([r for r in qualified if r.key == email.encode()]) == 1
