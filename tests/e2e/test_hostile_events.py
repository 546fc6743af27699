"""Events that could not be stored are refused at the door, through the running services (#18).

Each test: the bad value is refused with a 4xx naming the field in the JSON body, nothing reaches
the topic (its end offsets are unchanged), and the service is still ready afterwards.
"""

from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from schemas.topics import Topic, dlq_topic
from tests.support.events import engagement, unique_email
from tests.support.kafka import end_offsets, header, produce_raw, read_until
from tests.support.webhooks import dumps, segment_headers

CE_JSON = {"content-type": "application/cloudevents+json"}
STRUCTURED = [("content-type", b"application/cloudevents+json")]


async def _post_event(services, event: dict | bytes) -> httpx.Response:
    content = event if isinstance(event, bytes) else orjson.dumps(event)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=content,
                                     headers={**services.auth, **CE_JSON})
        assert (await client.get(f"{services.scorer_url}/readyz")).status_code == 200
    return response


def _fields(response: httpx.Response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def _event(**data) -> dict:
    event = engagement(unique_email("hostile"))
    event["data"].update(data)
    return event


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"x": value}
    return value


@pytest.mark.parametrize("field", ["source", "url", "campaign"])
async def test_a_nul_character_in_an_event_is_422_naming_the_field(services, untouched_topic, field):
    response = await _post_event(services, _event(**{field: "a\u0000b"}))
    assert response.status_code == 422
    assert _fields(response) == [f"data.{field}"]


async def test_a_nul_character_in_an_attribute_is_422_naming_the_attributes(services, untouched_topic):
    response = await _post_event(services, _event(attributes={"company": "Acme\u0000"}))
    assert (response.status_code, _fields(response)) == (422, ["data.attributes"])


async def test_a_non_finite_number_in_an_event_is_400_before_anything_else(services, untouched_topic):
    body = orjson.dumps(_event(attributes={"employees": 1})).replace(b'"employees":1', b'"employees":NaN')
    response = await _post_event(services, body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed")


async def test_an_event_dated_9999_is_422_naming_occurred_at(services, untouched_topic):
    response = await _post_event(services, _event(occurred_at="9999-01-01T00:00:00Z"))
    assert response.status_code == 422
    assert _fields(response) == ["data.occurred_at"]
    assert "future" in response.json()["error"]["fields"][0]["message"]


async def test_an_event_beyond_the_clock_skew_is_422_naming_occurred_at(services, untouched_topic):
    response = await _post_event(services, _event(occurred_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()))
    assert (response.status_code, _fields(response)) == (422, ["data.occurred_at"])


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
async def test_a_time_postgresql_cannot_be_given_is_422_naming_it(services, untouched_topic, when):
    response = await _post_event(services, _event(occurred_at=when))
    assert (response.status_code, _fields(response)) == (422, ["data.occurred_at"])


async def test_attributes_nested_too_deep_are_422_not_503(services, untouched_topic):
    response = await _post_event(services, _event(attributes=_nested(250)))
    assert (response.status_code, _fields(response)) == (422, ["data.attributes"])
    assert "nested more than 32" in response.text


async def test_a_bidi_control_in_an_email_is_422_naming_it(services, untouched_topic):
    response = await _post_event(services, _event(email="ann\u202emoc.evil@example.com"))
    assert (response.status_code, _fields(response)) == (422, ["data.email"])


async def test_unbounded_extension_attributes_are_422(services, untouched_topic):
    event = _event()
    event.update({f"ext{i}": "x" for i in range(25)})
    response = await _post_event(services, event)
    assert response.status_code == 422
    assert "extension attributes" in response.text


async def test_an_event_larger_than_a_kafka_record_is_413_before_producing(services, untouched_topic):
    # Under the 1 MiB body limit, over the 1 MB a record may hold: the broker would refuse it on every retry.
    event = _event(attributes={f"pad{i}": "x" * 4_900 for i in range(205)})
    assert 1_000_000 < len(orjson.dumps(event)) < 1_048_576
    response = await _post_event(services, event)
    assert response.status_code == 413
    assert _fields(response) == ["(body)"]


async def test_a_kafka_direct_event_dated_9999_is_dead_lettered_naming_occurred_at(stack, services):
    topic = stack.topic(Topic.ENGAGEMENT)
    event = _event(occurred_at="9999-01-01T00:00:00Z")
    key = event["data"]["email"].encode()
    await produce_raw(stack.bootstrap, topic, orjson.dumps(event), key=key, headers=STRUCTURED)
    dead = await read_until(stack.bootstrap, dlq_topic(topic), lambda rs: [r for r in rs if r.key == key])
    reason = header(next(r for r in dead if r.key == key), "dlq.error")
    assert "occurred_at" in reason and "future" in reason


@pytest.mark.parametrize("lead_key", ["ann\u202e@example.com", "ann\u0000@example.com"])
async def test_a_crm_activity_with_an_unstorable_lead_key_is_422_naming_it(stack, services, lead_key):
    topic = stack.topic(Topic.CRM_ACTIVITY)
    before = await end_offsets(stack.bootstrap, topic)
    activity = {"activity_id": "act-hostile", "lead_key": lead_key, "kind": "call",
                "occurred_at": datetime.now(UTC).isoformat()}
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/v1/crm/activities", json=activity, headers=services.auth)
        assert (await client.get("/readyz")).status_code == 200
    assert (response.status_code, _fields(response)) == (422, ["lead_key"])
    assert await end_offsets(stack.bootstrap, topic) == before


async def test_a_segment_call_dated_9999_is_skipped_with_its_reason_and_nothing_produced(services, untouched_topic):
    # Sent and received now (Segment's own times bound a replay), the event itself dated 9999.
    now = datetime.now(UTC).isoformat()
    call = {"type": "track", "event": "Demo Requested", "messageId": f"far-{unique_email('x')}",
            "userId": "usr_far", "timestamp": "9999-01-01T00:00:00Z", "sentAt": now, "receivedAt": now,
            "context": {"traits": {"email": unique_email("far-future")}}}
    body = dumps(call)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/webhooks/segment", content=body,
                                     headers=segment_headers(body))
        assert (await client.get(f"{services.scorer_url}/readyz")).status_code == 200
    assert response.status_code == 202
    assert (response.json()["accepted"], response.json()["ignored"]) == (0, 1)
    assert response.json()["skipped"][0]["reason"].startswith("occurred_at: is in the future")
