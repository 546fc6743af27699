"""A subscription's signing secret rotates with an overlap (issue #24 item 5), on the session's running
router: during the overlap every delivery carries a signature by each of the two newest secrets, so the
receiver can switch its verification at any moment; after it, only the newest signs."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.fernet import Fernet
from standardwebhooks import Webhook, WebhookVerificationError

from services.router.deliveries.sealing import SecretBox, reseal_secrets, secret_box
from services.router.deliveries.store import DeliveryRepository, NewDelivery
from tests.support.kafka import wait_for
from tests.support.receiver import Receiver

BODY = '{"specversion":"1.0","id":"rot-1","source":"test","type":"handoff.lead.routed","data":{}}'


@pytest.fixture
async def receiver():
    server = await Receiver().start()
    yield server
    await server.stop()


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth, timeout=10) as client:
        yield client


@pytest.fixture
async def subscription(router, receiver):
    created = await router.post("/v1/subscriptions", json={"url": receiver.url("/hook"),
                                                           "event_types": ["handoff.lead.routed"]})
    assert created.status_code == 201, created.text
    yield created.json()
    await router.delete(f"/v1/subscriptions/{created.json()['subscription_id']}")


async def _delivered(db, receiver: Receiver, subscription_id: str) -> dict[str, str]:
    """Queues one delivery for the running worker and returns the headers it arrived with."""
    delivery_id = f"msg_{uuid.uuid4().hex}"
    await DeliveryRepository(db).add([NewDelivery(delivery_id, subscription_id, f"t#{delivery_id}",
                                                  "handoff.lead.routed", BODY)], datetime.now(UTC))

    async def arrived():
        return next((r for r in receiver.at("/hook") if r.headers.get("webhook-id") == delivery_id), None)

    return (await wait_for(arrived, timeout=20)).headers


def _verifies(secret: str, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(BODY, headers)
    except WebhookVerificationError:
        return False
    return True


async def test_during_the_overlap_a_delivery_verifies_with_the_old_and_the_new_secret(
        router, db, receiver, subscription):
    rotated = await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret",
                                json={"overlap_hours": 1})
    assert rotated.status_code == 200, rotated.text
    headers = await _delivered(db, receiver, subscription["subscription_id"])
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert _verifies(subscription["secret"], headers) and _verifies(rotated.json()["secret"], headers)


async def test_a_rotation_answers_the_new_secret_once_and_when_the_overlap_ends(router, subscription):
    before = datetime.now(UTC)
    rotated = (await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret",
                                 json={"overlap_hours": 2})).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != subscription["secret"]
    ends = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert before + timedelta(hours=2) <= ends <= datetime.now(UTC) + timedelta(hours=2)
    shown = (await router.get(f"/v1/subscriptions/{subscription['subscription_id']}")).json()
    assert "secret" not in shown and shown["previous_secret_expires_at"] == rotated["previous_secret_expires_at"]


async def test_once_the_overlap_has_passed_only_the_new_secret_signs(router, db, receiver, subscription):
    rotated = (await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret",
                                 json={"overlap_hours": 1})).json()
    await db.execute("UPDATE router.subscriptions SET previous_secret_expires_at = now() - interval '1 second'"
                     " WHERE subscription_id = $1", subscription["subscription_id"])  # the hour has gone by
    headers = await _delivered(db, receiver, subscription["subscription_id"])
    assert _verifies(rotated["secret"], headers) and not _verifies(subscription["secret"], headers)
    shown = (await router.get(f"/v1/subscriptions/{subscription['subscription_id']}")).json()
    assert shown["previous_secret_expires_at"] is None


async def test_ending_the_overlap_early_stops_the_old_secret_signing(router, db, receiver, subscription):
    rotated = (await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret")).json()
    ended = await router.delete(f"/v1/subscriptions/{subscription['subscription_id']}/previous-secret")
    assert ended.status_code == 200 and ended.json()["previous_secret_expires_at"] is None
    headers = await _delivered(db, receiver, subscription["subscription_id"])
    assert headers["webhook-signature"].count(" ") == 0 and _verifies(rotated["secret"], headers)


async def test_a_rotation_without_overlap_replaces_the_secret_at_once(router, db, receiver, subscription):
    rotated = (await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret",
                                 json={"overlap_hours": 0})).json()
    assert rotated["previous_secret_expires_at"] is None
    headers = await _delivered(db, receiver, subscription["subscription_id"])
    assert _verifies(rotated["secret"], headers) and not _verifies(subscription["secret"], headers)


async def test_a_second_rotation_in_an_overlap_signs_with_the_two_newest_only(router, db, receiver, subscription):
    url = f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret"
    second = (await router.post(url)).json()
    third = (await router.post(url)).json()
    headers = await _delivered(db, receiver, subscription["subscription_id"])
    assert _verifies(third["secret"], headers) and _verifies(second["secret"], headers)
    assert not _verifies(subscription["secret"], headers)


async def test_the_previous_secret_is_stored_sealed(stack, router, db, subscription):
    await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret")
    stored = await db.fetchval("SELECT previous_secret FROM router.subscriptions WHERE subscription_id = $1",
                               subscription["subscription_id"])
    assert subscription["secret"] not in stored
    assert secret_box(stack.settings.secrets_key).open(stored) == subscription["secret"]


@pytest.mark.parametrize("overlap", [-1, 721, "soon"])
async def test_an_overlap_outside_0_to_720_hours_is_refused_naming_overlap_hours(router, subscription, overlap):
    refused = await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret",
                                json={"overlap_hours": overlap})
    assert refused.status_code == 422
    assert [f["field"] for f in refused.json()["error"]["fields"]] == ["overlap_hours"]


async def test_rotating_an_unknown_subscription_is_404(router):
    assert (await router.post("/v1/subscriptions/sub_nope/rotate-secret")).status_code == 404
    assert (await router.delete("/v1/subscriptions/sub_nope/previous-secret")).status_code == 404



class _Undo(Exception):
    """Rolls the reseal back: the session's router keeps running with the keys it has."""


async def test_resealing_under_a_new_settings_key_reseals_the_previous_secret_too(stack, router, db, subscription):
    await router.post(f"/v1/subscriptions/{subscription['subscription_id']}/rotate-secret")
    new_key = Fernet.generate_key().decode()
    with pytest.raises(_Undo):
        async with db.acquire() as conn, conn.transaction():
            await reseal_secrets(conn, SecretBox(f"{new_key},{stack.settings.secrets_key.get_secret_value()}"))
            stored = await conn.fetchval(
                "SELECT previous_secret FROM router.subscriptions WHERE subscription_id = $1",
                subscription["subscription_id"])
            assert SecretBox(new_key).open(stored) == subscription["secret"]
            raise _Undo
