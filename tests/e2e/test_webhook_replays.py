"""Mautic and Segment sign their bodies only: a replay is bounded by the time inside the signed
body and dropped by the body's digest within that window (issue #18), on the running scorer."""

from datetime import UTC, datetime, timedelta

import httpx
import orjson

from tests.support.events import unique_email
from tests.support.kafka import end_offsets
from tests.support.webhooks import (
    MAUTIC_CONTACT,
    MAUTIC_EMAIL,
    SEGMENT_EMAIL,
    SEGMENT_USER,
    fixture,
    fresh,
    mautic_headers,
    segment_headers,
    unique_id,
)


def _mautic(sent: datetime | None = None) -> bytes:
    return orjson.dumps(fresh(fixture("mautic"), {MAUTIC_EMAIL: unique_email("replay"), MAUTIC_CONTACT: unique_id()},
                              now=sent))


def _segment(sent: datetime | None = None) -> bytes:
    return orjson.dumps(fresh(fixture("segment"), {SEGMENT_EMAIL: unique_email("replay"),
                                                   SEGMENT_USER: f"usr_{unique_id()}"}, now=sent))


async def _post(services, tool: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{services.scorer_url}/v1/webhooks/{tool}", content=body, headers=headers)


async def test_a_mautic_request_sent_longer_ago_than_the_tolerance_is_refused(services, untouched_topic):
    body = _mautic(datetime.now(UTC) - timedelta(hours=2))
    response = await _post(services, "mautic", body, mautic_headers(body))
    assert response.status_code == 401 and response.json()["error"]["code"] == "stale"


async def test_a_mautic_request_without_its_send_time_is_refused(services, untouched_topic):
    document = fresh(fixture("mautic"), {MAUTIC_EMAIL: unique_email("replay"), MAUTIC_CONTACT: unique_id()})
    del document["timestamp"]
    for items in document.values():  # and no item of it dated either
        for item in items:
            item.pop("timestamp", None)
    body = orjson.dumps(document)
    response = await _post(services, "mautic", body, mautic_headers(body))
    assert response.status_code == 401 and "no send time" in response.json()["error"]["message"]


async def test_a_mautic_request_is_dated_by_its_newest_item_when_it_has_no_top_level_time(services):
    document = fresh(fixture("mautic"), {MAUTIC_EMAIL: unique_email("replay"), MAUTIC_CONTACT: unique_id()})
    del document["timestamp"]  # as Mautic documents its payloads: a timestamp per item
    body = orjson.dumps(document)
    response = await _post(services, "mautic", body, mautic_headers(body))
    assert response.status_code == 202, response.text


async def test_a_mautic_request_replayed_within_the_tolerance_is_a_duplicate_that_produces_nothing(services, stack):
    body = _mautic()
    first = await _post(services, "mautic", body, mautic_headers(body))
    assert first.status_code == 202 and first.json()["accepted"] > 0
    before = await end_offsets(stack.bootstrap, stack.topic("handoff.engagement.v1"))
    again = await _post(services, "mautic", body, mautic_headers(body))
    assert again.status_code == 202 and again.json()["duplicate"] and again.json()["accepted"] == 0
    assert await end_offsets(stack.bootstrap, stack.topic("handoff.engagement.v1")) == before


async def test_a_segment_batch_received_longer_ago_than_the_tolerance_is_refused(services, untouched_topic):
    body = _segment(datetime.now(UTC) - timedelta(hours=7))
    response = await _post(services, "segment", body, segment_headers(body))
    assert response.status_code == 401 and response.json()["error"]["code"] == "stale"


async def test_a_segment_batch_replayed_within_the_tolerance_is_a_duplicate_that_produces_nothing(services, stack):
    body = _segment()
    assert (await _post(services, "segment", body, segment_headers(body))).json()["accepted"] > 0
    before = await end_offsets(stack.bootstrap, stack.topic("handoff.engagement.v1"))
    again = await _post(services, "segment", body, segment_headers(body))
    assert again.status_code == 202 and again.json()["duplicate"]
    assert await end_offsets(stack.bootstrap, stack.topic("handoff.engagement.v1")) == before
