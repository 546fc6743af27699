"""Scorer and router run as production runs them (issue #18): no docs or metrics unless turned on,
wrong keys and signatures limited per address and per key, deliveries only to public addresses.
Processes of their own on a database and topics of their own, with a failure limit of 3."""

import uuid
from datetime import UTC, datetime

import httpx
import orjson
import pytest

from services.router.deliveries.sealing import secret_box
from services.router.deliveries.store import DeliveryRepository, NewDelivery
from tests.support.isolated import isolated_services
from tests.support.kafka import end_offsets, wait_for
from tests.support.receiver import Receiver
from tests.support.stack import TEST_ADMIN_KEY

AUTH = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
LIMIT = 3
PRODUCTION = {"HANDOFF_DOCS_ENABLED": "false", "HANDOFF_METRICS_ENABLED": "false",
              "HANDOFF_AUTH_FAILURE_LIMIT": str(LIMIT), "HANDOFF_AUTH_FAILURE_WINDOW_S": "300",
              "HANDOFF_DELIVERY_ALLOW_HTTP_LOCALHOST": "false", "HANDOFF_DELIVERY_POLL_S": "0.2",
              "HANDOFF_DELIVERY_MAX_ATTEMPTS": "1", "HANDOFF_DELIVERY_TIMEOUT_S": "2"}


@pytest.fixture(scope="module")
async def world(stack):
    async with isolated_services(stack.settings, "hardened", PRODUCTION, datetime.now(UTC)) as iso:
        yield iso


def _from(address: str) -> dict[str, str]:
    """Headers of a request that reached the service through a (trusted, local) proxy for `address`."""
    return {"x-forwarded-for": address}


def _guess() -> dict[str, str]:
    """A wrong key never tried before (so only this test's failures count against it)."""
    return {"Authorization": f"Bearer guess-{uuid.uuid4().hex}"}


def _url(world, svc: str) -> str:
    return world.scorer_url if svc == "scorer" else world.router_url


async def _ready(world, svc: str) -> bool:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{_url(world, svc)}/readyz")).status_code == 200


@pytest.mark.parametrize("svc", ["scorer", "router"])
@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
async def test_api_docs_are_not_served_unless_turned_on(world, svc, path):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{_url(world, svc)}{path}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("svc", ["scorer", "router"])
async def test_metrics_are_not_served_unless_turned_on(world, svc):
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{_url(world, svc)}/metrics")).status_code == 404
    assert await _ready(world, svc)


async def test_an_address_with_too_many_unknown_keys_gets_429_with_retry_after(world):
    async with httpx.AsyncClient(base_url=world.router_url, headers=_from("203.0.113.10")) as client:
        for _ in range(LIMIT):
            assert (await client.get("/v1/reps", headers=_guess())).status_code == 401
        refused = await client.get("/v1/reps", headers=_guess())
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_failures"
    assert 1 <= int(refused.headers["retry-after"]) <= 300
    assert await _ready(world, "router")


async def test_a_throttled_address_is_refused_even_with_a_good_key(world):
    async with httpx.AsyncClient(base_url=world.router_url, headers=_from("203.0.113.11")) as client:
        for _ in range(LIMIT):
            await client.get("/v1/reps", headers=_guess())
        assert (await client.get("/v1/reps", headers=AUTH)).status_code == 429


async def test_other_addresses_are_not_throttled_by_one_that_failed(world):
    async with httpx.AsyncClient(base_url=world.router_url) as client:
        for _ in range(LIMIT + 1):
            await client.get("/v1/reps", headers={**_guess(), **_from("203.0.113.12")})
        assert (await client.get("/v1/reps", headers={**AUTH, **_from("203.0.113.13")})).status_code == 200


async def test_one_wrong_key_tried_from_many_addresses_is_throttled_as_a_key(world):
    async with httpx.AsyncClient(base_url=world.scorer_url) as client:
        for n in range(LIMIT):
            response = await client.get("/v1/agreements", headers={"Authorization": "Bearer same-guess",
                                                                   **_from(f"198.51.100.{n + 1}")})
            assert response.status_code == 401
        refused = await client.get("/v1/agreements", headers={"Authorization": "Bearer same-guess",
                                                              **_from("198.51.100.99")})
    assert refused.status_code == 429


async def test_bad_webhook_signatures_count_as_failures_and_produce_nothing(world):
    topic = world.topic("handoff.engagement.v1")
    before = await end_offsets(world.bootstrap, topic)
    body = orjson.dumps({"mautic.form_on_submit": []})
    async with httpx.AsyncClient(base_url=world.scorer_url, headers=_from("203.0.113.20")) as client:
        for _ in range(LIMIT):
            response = await client.post("/v1/webhooks/mautic", content=body, headers={
                "content-type": "application/json", "webhook-signature": "forged"})
            assert response.status_code == 401
        refused = await client.post("/v1/webhooks/mautic", content=body, headers={
            "content-type": "application/json", "webhook-signature": "forged"})
    assert refused.status_code == 429
    assert await end_offsets(world.bootstrap, topic) == before
    assert await _ready(world, "scorer")


async def test_wrong_keys_in_the_dashboard_login_count_as_failures(world):
    async with httpx.AsyncClient(base_url=world.router_url,
                                 headers={"origin": world.router_url, **_from("203.0.113.30")}) as client:
        for _ in range(LIMIT):
            assert (await client.post("/ui/login", data={"key": _guess()["Authorization"][7:]})).status_code == 401
        assert (await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})).status_code == 429


@pytest.mark.parametrize("url", ["https://2130706433/hook", "https://0x7f.1/hook", "https://127.1/hook",
                                 "https://vm/hook", "https://[::ffff:127.0.0.1]/hook", "https://100.64.1.1/hook"])
async def test_a_subscription_pointing_inside_is_refused_naming_the_url(world, url):
    async with httpx.AsyncClient(base_url=world.router_url, headers=AUTH) as client:
        response = await client.post("/v1/subscriptions", json={"url": url, "event_types": ["handoff.lead.routed"]})
        listed = (await client.get("/v1/subscriptions")).json()
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "url"
    assert "refused destination" in response.json()["error"]["fields"][0]["message"]
    assert all(s["url"] != url for s in listed)


async def test_a_stored_destination_that_resolves_inside_is_refused_at_send_time(world, stack):
    receiver = await Receiver().start()
    sub_id, delivery_id = f"sub_{uuid.uuid4().hex[:8]}", f"msg_{uuid.uuid4().hex}"
    box = secret_box(stack.settings.secrets_key)
    try:
        async with world.db() as conn:  # written past the API's check, as a row from before it would be
            await conn.execute(
                "INSERT INTO router.subscriptions (subscription_id, url, event_types, secret)"
                " VALUES ($1, $2, '{handoff.lead.routed}', $3)",
                sub_id, f"https://vm:{receiver.port}/hook", box.seal("whsec_dGVzdA=="))
            await DeliveryRepository(conn).add([NewDelivery(delivery_id, sub_id, f"t#{delivery_id}",
                                                            "handoff.lead.routed", "{}")], datetime.now(UTC))
        async with httpx.AsyncClient(base_url=world.router_url, headers=AUTH) as client:
            async def failed():
                found = (await client.get(f"/v1/subscriptions/{sub_id}/deliveries/{delivery_id}")).json()
                return found if found["status"] == "failed" else None

            delivery = await wait_for(failed, timeout=20)
        assert delivery["last_error"].startswith("destination refused") and "loopback" in delivery["last_error"]
        assert receiver.requests == []
    finally:
        await receiver.stop()
