"""API keys: created by admin, hashed at rest, scoped by role, revocable."""

import hashlib

import httpx
import orjson

from tests.support.events import engagement, unique_email

CE = {"content-type": "application/cloudevents+json"}


async def _create_key(services, role: str) -> dict:
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/v1/keys", json={"name": f"{role} tester", "role": role},
                                     headers=services.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def _post_event(services, key: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{services.scorer_url}/v1/events",
                                 content=orjson.dumps(engagement(unique_email())),
                                 headers={"authorization": f"Bearer {key}", **CE})


async def test_a_marketing_key_may_post_events(services):
    key = (await _create_key(services, "marketing"))["key"]
    assert (await _post_event(services, key)).status_code == 202


async def test_a_sales_key_may_not_post_events(services):
    key = (await _create_key(services, "sales"))["key"]
    response = await _post_event(services, key)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_only_the_hash_of_a_key_is_stored(services, db):
    created = await _create_key(services, "ops")
    stored = await db.fetchval("SELECT key_hash FROM access.api_keys WHERE key_id = $1", created["key_id"])
    assert stored == hashlib.sha256(created["key"].encode()).hexdigest()


async def test_a_revoked_key_is_refused(services):
    created = await _create_key(services, "marketing")
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        assert (await client.delete(f"/v1/keys/{created['key_id']}", headers=services.auth)).status_code == 204
    # Each replica caches a lookup for at most 5 s; this key was never looked up by the scorer.
    assert (await _post_event(services, created["key"])).status_code == 401


async def test_a_non_admin_cannot_create_keys(services):
    key = (await _create_key(services, "ops"))["key"]
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/v1/keys", json={"name": "x", "role": "admin"},
                                     headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 403
