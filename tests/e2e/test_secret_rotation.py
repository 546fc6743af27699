"""Rotating an inbound source's secret without a gap: the setting lists secrets newest first, and
a request signed with any of them is taken while the tool switches; one signed with none is 401."""

import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from standardwebhooks import Webhook

from services.scorer.integrations.signatures import segment_signature
from tests.support.events import engagement, unique_email
from tests.support.isolated import isolated_services
from tests.support.webhooks import SEGMENT_EMAIL, SEGMENT_USER, fixture, fresh, unique_id

NEW_WHSEC = "whsec_cm90YXRpb24tbmV3LXNlY3JldC1mb3ItaGFuZG9mZi10ZXN0cw=="
OLD_WHSEC = "whsec_cm90YXRpb24tb2xkLXNlY3JldC1mb3ItaGFuZG9mZi10ZXN0cw=="
OTHER_WHSEC = "whsec_c29tZWJvZHktZWxzZXMtc2VjcmV0LWZvci1oYW5kb2ZmLXRlc3Rz"


@pytest.fixture(scope="module")
async def world(stack):
    env = {"HANDOFF_SEGMENT_SECRET": "segment-new, segment-old", "HANDOFF_WEBHOOK_SECRET": f"{NEW_WHSEC},{OLD_WHSEC}"}
    async with isolated_services(stack.settings, "rotation", env, datetime.now(UTC)) as iso:
        yield iso


def _segment_body() -> bytes:
    return orjson.dumps(fresh(fixture("segment"), {SEGMENT_EMAIL: unique_email("rotation"),
                                                   SEGMENT_USER: f"usr_{unique_id()}"}))


async def _segment(world, secret: str) -> httpx.Response:
    body = _segment_body()
    async with httpx.AsyncClient() as client:
        return await client.post(f"{world.scorer_url}/v1/webhooks/segment", content=body, headers={
            "content-type": "application/json", "x-signature": segment_signature(secret, body)})


async def _signed_event(world, secret: str) -> httpx.Response:
    body = orjson.dumps(engagement(unique_email("rotation")))
    msg_id, sent = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    async with httpx.AsyncClient() as client:
        return await client.post(f"{world.scorer_url}/v1/events", content=body, headers={
            "content-type": "application/cloudevents+json", "webhook-id": msg_id,
            "webhook-timestamp": str(int(sent.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, sent, body.decode())})


@pytest.mark.parametrize("secret", ["segment-new", "segment-old"])
async def test_a_segment_request_signed_with_either_listed_secret_is_taken(world, secret):
    response = await _segment(world, secret)
    assert response.status_code == 202, response.text


async def test_a_segment_request_signed_with_an_unlisted_secret_is_401(world):
    assert (await _segment(world, "segment-older")).status_code == 401


@pytest.mark.parametrize("secret", [NEW_WHSEC, OLD_WHSEC])
async def test_a_standard_webhooks_event_signed_with_either_listed_secret_is_taken(world, secret):
    response = await _signed_event(world, secret)
    assert response.status_code == 202, response.text


async def test_a_standard_webhooks_event_signed_with_an_unlisted_secret_is_401(world):
    assert (await _signed_event(world, OTHER_WHSEC)).status_code == 401
