"""Outbound delivery on the real stack: scorer and router processes of their own (small backoffs),
a local receiver that fails, stalls and recovers, and the signatures checked by hand."""

import asyncio
import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from tests.support.events import engagement, unique_email
from tests.support.isolated import isolated_services
from tests.support.kafka import wait_for
from tests.support.receiver import STALL, Receiver
from tests.support.stack import TEST_ADMIN_KEY

AUTH = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
TIMEOUT_S, MAX_ATTEMPTS, BACKOFF_CAP_S, POLL_S = 1.0, 4, 1.0, 0.2
DELIVERY_ENV = {
    "HANDOFF_DELIVERY_ALLOW_HTTP_LOCALHOST": "true", "HANDOFF_DELIVERY_TIMEOUT_S": str(TIMEOUT_S),
    "HANDOFF_DELIVERY_BACKOFF_BASE_S": "0.3", "HANDOFF_DELIVERY_BACKOFF_CAP_S": str(BACKOFF_CAP_S),
    "HANDOFF_DELIVERY_MAX_ATTEMPTS": str(MAX_ATTEMPTS), "HANDOFF_DELIVERY_POLL_S": str(POLL_S),
    "HANDOFF_DELIVERY_MAX_IN_FLIGHT": "4", "HANDOFF_DELIVERY_PER_ENDPOINT": "2",
}
QUIET_S = BACKOFF_CAP_S + POLL_S + TIMEOUT_S + 1  # longer than any retry could wait


@pytest.fixture(scope="module")
async def world(stack):
    """Scorer and router processes on a database and topics of their own, with small delivery timings."""
    async with isolated_services(stack.settings, "outbound", DELIVERY_ENV, datetime.now(UTC)) as iso:
        yield iso


@pytest.fixture
async def receiver():
    server = await Receiver(stall_s=TIMEOUT_S + 2).start()
    yield server
    await server.stop()


@pytest.fixture
async def router(world):
    """An API client; the subscriptions a test creates are deleted after it, so others see none."""
    async with httpx.AsyncClient(base_url=world.router_url, headers=AUTH, timeout=10) as client:
        yield client
        for sub in (await client.get("/v1/subscriptions")).json():
            await client.delete(f"/v1/subscriptions/{sub['subscription_id']}")


async def _subscribe(router, url: str, *event_types: str) -> dict:
    response = await router.post("/v1/subscriptions", json={"url": url, "event_types": list(event_types)})
    assert response.status_code == 201, response.text
    return response.json()


async def _route_a_lead(world, tag: str) -> str:
    email = unique_email(tag).lower()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{world.scorer_url}/v1/events",
                                     content=orjson.dumps(engagement(email, "demo_request")),
                                     headers={**AUTH, "content-type": "application/cloudevents+json"})
    assert response.status_code == 202, response.text
    return email


def _of_lead(requests, lead_key: str):
    return [r for r in requests if orjson.loads(r.body)["subject"] == lead_key]


def _verify(secret: str, request) -> None:
    """The Standard Webhooks v1 check a receiver makes, written out by hand."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.{request.body}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert f"v1,{expected}" in request.headers["webhook-signature"].split(" ")
    assert abs(time.time() - int(request.headers["webhook-timestamp"])) < 300


async def _deliveries(router, sub: dict, **params) -> list[dict]:
    response = await router.get(f"/v1/subscriptions/{sub['subscription_id']}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_event_reaches_a_recovering_endpoint_signed_and_once_per_webhook_id(world, receiver, router):
    receiver.scripts["/flaky"] = lambda n: {1: 500, 2: STALL}.get(n, 204)
    sub = await _subscribe(router, receiver.url("/flaky"), "handoff.lead.routed", "handoff.lead.followup:assigned")
    touched_only = await _subscribe(router, receiver.url("/touched"), "handoff.lead.followup:touched")
    lead = await _route_a_lead(world, "flaky")

    async def both_delivered():
        return len([r for r in _of_lead(receiver.at("/flaky"), lead) if r.answer == 204]) == 2

    await wait_for(both_delivered, timeout=60)
    await asyncio.sleep(QUIET_S)  # nothing more may come once the endpoint answered 2xx
    seen = _of_lead(receiver.at("/flaky"), lead)
    by_id: dict[str, list] = {}
    for request in seen:
        by_id.setdefault(request.headers["webhook-id"], []).append(request)
    assert len(by_id) == 2
    for attempts in by_id.values():
        assert [r.answer for r in attempts] == [500, STALL, 204]
        assert len({r.body for r in attempts}) == 1  # the same body on every attempt
        for request in attempts:
            _verify(sub["secret"], request)
            assert request.headers["content-type"] == "application/cloudevents+json"
    events = [orjson.loads(attempts[0].body) for attempts in by_id.values()]
    assert sorted(e["type"] for e in events) == ["handoff.lead.followup", "handoff.lead.routed"]
    assert [e["data"]["status"] for e in events if e["type"] == "handoff.lead.followup"] == ["assigned"]
    assert not receiver.at("/touched")

    log = await _deliveries(router, sub, status="delivered")
    assert {d["delivery_id"] for d in log} == set(by_id)
    for delivery in log:
        assert [a["status_code"] for a in delivery["attempt_log"]] == [500, None, 204]
        assert "no answer" in delivery["attempt_log"][1]["error"]
    assert await _deliveries(router, touched_only) == []
    assert 'handoff_delivery_attempts_total{outcome="delivered"}' in (await router.get("/metrics")).text


async def test_a_stalling_endpoint_does_not_delay_another_subscription(world, receiver, router):
    receiver.scripts["/slow"] = lambda n: STALL
    await _subscribe(router, receiver.url("/slow"), "handoff.lead.routed", "handoff.lead.followup")
    fast = await _subscribe(router, receiver.url("/fast"), "handoff.lead.routed", "handoff.lead.followup")
    leads = [await _route_a_lead(world, f"busy{i}") for i in range(3)]

    async def fast_has_all():
        return all(len(_of_lead(receiver.at("/fast"), lead)) == 2 for lead in leads)

    await wait_for(fast_has_all, timeout=60)
    queued = {d["delivery_id"]: datetime.fromisoformat(d["created_at"]) for d in await _deliveries(router, fast)}
    for request in receiver.at("/fast"):
        _verify(fast["secret"], request)
        waited = request.wall - queued[request.headers["webhook-id"]]
        # The slow endpoint holds its 2 slots for a whole timeout each; the fast one never waits for them.
        assert waited.total_seconds() < TIMEOUT_S * 0.8, waited


async def test_a_failed_delivery_is_replayed_through_the_api_and_then_succeeds(world, receiver, router):
    endpoint = {"up": False}
    receiver.scripts["/down"] = lambda n: 204 if endpoint["up"] else 500
    sub = await _subscribe(router, receiver.url("/down"), "handoff.lead.routed", "handoff.lead.followup:assigned")
    lead = await _route_a_lead(world, "down")

    async def both_failed():
        failed = await _deliveries(router, sub, status="failed")
        return failed if len(failed) == 2 else None

    failed = await wait_for(both_failed, timeout=60)
    assert all([a["status_code"] for a in d["attempt_log"]] == [500] * MAX_ATTEMPTS for d in failed)
    await asyncio.sleep(QUIET_S)
    assert len(_of_lead(receiver.at("/down"), lead)) == 2 * MAX_ATTEMPTS  # a failed delivery is left alone

    endpoint["up"] = True
    first, second = (d["delivery_id"] for d in failed)
    path = f"/v1/subscriptions/{sub['subscription_id']}"
    replayed = await router.post(f"{path}/deliveries/{first}/replay")
    assert replayed.status_code == 202, replayed.text
    bulk = await router.post(f"{path}/replay", params={"status": "failed"})
    assert bulk.status_code == 202, bulk.text
    assert bulk.json()["delivery_ids"] == [second]  # the first is no longer failed

    async def both_delivered():
        return len(await _deliveries(router, sub, status="delivered")) == 2

    await wait_for(both_delivered, timeout=30)
    answered = [r for r in _of_lead(receiver.at("/down"), lead) if r.answer == 204]
    assert sorted(r.headers["webhook-id"] for r in answered) == sorted([first, second])  # the same webhook-ids
    for request in answered:
        _verify(sub["secret"], request)
