"""Clients no one here wrote: the official CloudEvents Python SDK (cloudevents 2.x) in every mode of
the HTTP binding on POST /v1/events and POST /v1/crm/activities, and of the Kafka binding on the
engagement and CRM topics."""

import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from cloudevents.core.bindings import http, kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from schemas.topics import Topic
from tests.support.events import engagement, unique_email
from tests.support.kafka import body, end_offsets, produce_raw, read_until

JSON = JSONFormat()


def _engagement_event(email: str, activity: str = "demo_request", **attributes: str) -> CloudEvent:
    data = engagement(email, activity)["data"]
    return CloudEvent({"type": "handoff.engagement.recorded", "source": "sdk-tests", "id": str(uuid.uuid4()),
                       "datacontenttype": "application/json", **attributes}, data)


async def _post(services, content: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        return await client.post("/v1/events", content=content, headers={**services.auth, **headers})


async def _routed(stack, email: str) -> dict:
    records = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED),
                               lambda rs: [r for r in rs if r.key == email.encode()])
    return body(next(r for r in records if r.key == email.encode()))


async def test_binary_mode_over_http_is_accepted_and_the_lead_routed(stack, services):
    email = unique_email("sdk-binary")
    message = http.to_binary(_engagement_event(email), JSON)
    response = await _post(services, message.body, message.headers)
    assert response.status_code == 202, response.text
    assert (await _routed(stack, email))["data"]["lead_key"] == email


async def test_structured_mode_over_http_is_accepted_and_the_lead_routed(stack, services):
    email = unique_email("sdk-structured")
    message = http.to_structured(_engagement_event(email), JSON)
    response = await _post(services, message.body, message.headers)
    assert response.status_code == 202, response.text
    assert (await _routed(stack, email))["data"]["lead_key"] == email


async def test_batched_mode_over_http_takes_every_event_the_sdk_wrote(stack, services):
    emails = [unique_email("sdk-batch") for _ in range(3)]
    batch = b"[" + b",".join(http.to_structured(_engagement_event(e), JSON).body for e in emails) + b"]"
    response = await _post(services, batch, {"content-type": "application/cloudevents-batch+json"})
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 3
    for email in emails:
        assert (await _routed(stack, email))["data"]["lead_key"] == email


async def test_binary_mode_extensions_arrive_as_headers_and_are_kept(stack, services):
    email = unique_email("sdk-extension")
    message = http.to_binary(_engagement_event(email, subject=email), JSON)
    assert message.headers["ce-subject"] == email
    response = await _post(services, message.body, message.headers)
    assert response.status_code == 202, response.text


async def test_binary_mode_with_data_that_is_not_json_is_415(stack, services):
    message = http.to_binary(_engagement_event(unique_email("sdk-text")), JSON)
    before = await end_offsets(stack.bootstrap, stack.topic(Topic.ENGAGEMENT))
    response = await _post(services, b"hello", {**message.headers, "content-type": "text/plain"})
    assert response.status_code == 415
    assert "binary-mode" in response.json()["error"]["message"]
    assert await end_offsets(stack.bootstrap, stack.topic(Topic.ENGAGEMENT)) == before


async def test_binary_mode_missing_a_required_attribute_names_it(stack, services):
    message = http.to_binary(_engagement_event(unique_email("sdk-missing")), JSON)
    headers = {k: v for k, v in message.headers.items() if k != "ce-source"}
    response = await _post(services, message.body, headers)
    assert response.status_code == 422
    assert any("source" in f["field"] for f in response.json()["error"]["fields"])


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_the_sdks_kafka_binding_on_the_engagement_topic_routes_the_lead(stack, services, mode):
    email = unique_email(f"sdk-kafka-{mode}")
    convert = kafka.to_binary if mode == "binary" else kafka.to_structured
    message = convert(_engagement_event(email), JSON)
    await produce_raw(stack.bootstrap, stack.topic(Topic.ENGAGEMENT), message.value, key=email.encode(),
                      headers=list(message.headers.items()))
    assert (await _routed(stack, email))["data"]["lead_key"] == email


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_the_sdks_kafka_binding_on_the_crm_topic_touches_the_lead(stack, services, mode):
    email = unique_email(f"sdk-crm-{mode}").lower()
    message = http.to_binary(_engagement_event(email), JSON)
    assert (await _post(services, message.body, message.headers)).status_code == 202
    await _routed(stack, email)
    activity = CloudEvent(
        {"type": "handoff.crm.activity", "source": "sdk-crm", "id": str(uuid.uuid4()),
         "datacontenttype": "application/json"},
        {"activity_id": f"act-{uuid.uuid4().hex}", "lead_key": email, "rep_id": "rep-solo", "kind": "call",
         "occurred_at": datetime.now(UTC).isoformat()})
    convert = kafka.to_binary if mode == "binary" else kafka.to_structured
    record = convert(activity, JSON)
    await produce_raw(stack.bootstrap, stack.topic(Topic.CRM_ACTIVITY), record.value, key=email.encode(),
                      headers=list(record.headers.items()))
    followups = await read_until(
        stack.bootstrap, stack.topic(Topic.FOLLOWUP),
        lambda rs: [r for r in rs if r.key == email.encode() and orjson.loads(r.value)["data"]["status"] == "touched"])
    assert followups


def _crm_event(email: str) -> CloudEvent:
    return CloudEvent(
        {"type": "handoff.crm.activity", "source": "sdk-crm", "id": str(uuid.uuid4()),
         "datacontenttype": "application/json"},
        {"activity_id": f"act-{uuid.uuid4().hex}", "lead_key": email, "rep_id": "rep-solo", "kind": "call",
         "occurred_at": datetime.now(UTC).isoformat()})


async def _routed_lead(stack, services, tag: str) -> str:
    email = unique_email(tag).lower()
    message = http.to_binary(_engagement_event(email), JSON)
    assert (await _post(services, message.body, message.headers)).status_code == 202
    await _routed(stack, email)
    return email


async def _post_crm(services, content: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        return await client.post("/v1/crm/activities", content=content, headers={**services.auth, **headers})


async def _touched(stack, email: str) -> list:
    return await read_until(
        stack.bootstrap, stack.topic(Topic.FOLLOWUP),
        lambda rs: [r for r in rs if r.key == email.encode() and orjson.loads(r.value)["data"]["status"] == "touched"])


@pytest.mark.parametrize("mode", ["binary", "structured"])
async def test_the_sdks_http_binding_on_the_crm_api_touches_the_lead(stack, services, mode):
    email = await _routed_lead(stack, services, f"sdk-crm-http-{mode}")
    message = (http.to_binary if mode == "binary" else http.to_structured)(_crm_event(email), JSON)
    answer = await _post_crm(services, message.body, message.headers)
    assert answer.status_code == 202, answer.text
    assert await _touched(stack, email)


async def test_a_batch_of_crm_cloudevents_is_taken_whole(stack, services):
    emails = [await _routed_lead(stack, services, f"sdk-crm-batch-{n}") for n in range(2)]
    batch = b"[" + b",".join(http.to_structured(_crm_event(e), JSON).body for e in emails) + b"]"
    answer = await _post_crm(services, batch, {"content-type": "application/cloudevents-batch+json"})
    assert (answer.status_code, answer.json()["accepted"]) == (202, 2), answer.text
    for email in emails:
        assert await _touched(stack, email)


async def test_a_crm_cloudevent_of_another_type_is_refused_naming_type(stack, services):
    event = CloudEvent({"type": "handoff.engagement.recorded", "source": "sdk-crm", "id": str(uuid.uuid4()),
                        "datacontenttype": "application/json"}, {"activity_id": "x"})
    message = http.to_structured(event, JSON)
    answer = await _post_crm(services, message.body, message.headers)
    assert answer.status_code == 422
    assert "type" in [f["field"] for f in answer.json()["error"]["fields"]]


async def test_a_crm_cloudevents_bad_data_is_named_under_data(stack, services):
    email = await _routed_lead(stack, services, "sdk-crm-bad")
    event = _crm_event(email)
    message = http.to_binary(CloudEvent(event.get_attributes(), {**event.get_data(), "kind": "fax"}), JSON)
    answer = await _post_crm(services, message.body, message.headers)
    assert answer.status_code == 422
    assert [f["field"] for f in answer.json()["error"]["fields"]] == ["data.kind"]
