"""Outbound delivery keeps no secret in plaintext and nothing of an endpoint's answers (issue #18),
on the session's running router."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from services.cli.setup import seal_secrets
from services.router.deliveries.sealing import secret_box
from services.router.deliveries.store import DeliveryRepository, NewDelivery
from tests.support.kafka import wait_for
from tests.support.receiver import Receiver

LEAKED = b"Traceback: password=hunter2 at db.internal:5432"


@pytest.fixture
async def receiver():
    server = await Receiver(body=LEAKED).start()
    yield server
    await server.stop()


@pytest.fixture
async def subscription(services, receiver):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        created = await client.post("/v1/subscriptions", json={"url": receiver.url("/hook"),
                                                               "event_types": ["handoff.lead.routed"],
                                                               "active": True})
        assert created.status_code == 201, created.text
        yield created.json()
        await client.delete(f"/v1/subscriptions/{created.json()['subscription_id']}")


async def test_a_subscription_secret_is_stored_sealed_with_the_settings_key(stack, db, subscription):
    stored = await db.fetchval("SELECT secret FROM router.subscriptions WHERE subscription_id = $1",
                               subscription["subscription_id"])
    assert subscription["secret"] not in stored
    assert secret_box(stack.settings.secrets_key).open(stored) == subscription["secret"]


async def test_migrating_seals_secrets_stored_in_plaintext(stack, db):
    sub_id, plaintext = f"sub_{uuid.uuid4().hex[:8]}", "whsec_cGxhaW50ZXh0LWZyb20tYmVmb3Jl"
    await db.execute("INSERT INTO router.subscriptions (subscription_id, url, event_types, secret, active)"
                     " VALUES ($1, 'https://crm.example.com/h', '{handoff.lead.routed}', $2, false)", sub_id, plaintext)
    try:
        await seal_secrets(stack.settings.database_url, stack.settings.secrets_key)
        stored = await db.fetchval("SELECT secret FROM router.subscriptions WHERE subscription_id = $1", sub_id)
        assert stored != plaintext and secret_box(stack.settings.secrets_key).open(stored) == plaintext
    finally:
        await db.execute("DELETE FROM router.subscriptions WHERE subscription_id = $1", sub_id)


async def test_an_endpoints_error_body_is_never_shown_only_its_status(services, db, receiver, subscription):
    receiver.scripts["/hook"] = lambda n: 500
    delivery_id = f"msg_{uuid.uuid4().hex}"
    await DeliveryRepository(db).add([NewDelivery(delivery_id, subscription["subscription_id"], f"t#{delivery_id}",
                                                  "handoff.lead.routed", "{}")], datetime.now(UTC))
    url = f"/v1/subscriptions/{subscription['subscription_id']}/deliveries/{delivery_id}"
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        async def attempted():
            found = await client.get(url)
            return found if found.json()["attempts"] >= 1 and found.json()["last_error"] else None

        answer = await wait_for(attempted, timeout=20)
    assert answer.json()["last_error"] == "HTTP 500 Internal Server Error"
    assert answer.json()["attempt_log"][0]["error"] == "HTTP 500 Internal Server Error"
    assert b"hunter2" not in answer.content and b"Traceback" not in answer.content
