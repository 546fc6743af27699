"""Key accounts through the running services on the real Kafka and PostgreSQL: the example agreement's
key-account rule gives their leads the `key` SLA tier, and their owner, never a pool."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson

from schemas.topics import Topic
from tests.support.agreements import role_key
from tests.support.events import FITTING, engagement, unique_email
from tests.support.kafka import body, read_until

LARGE = {**FITTING, "employees": 6000}  # the example's key-account rule: 5,000 people or more


async def _owned_account(services, *, on_leave: bool) -> tuple[str, str]:
    """A new account with an owner (on leave now, if asked) who is in no pool; its domain and owner."""
    tag = uuid.uuid4().hex[:8]
    domain, owner = f"key-{tag}.com", f"owner-{tag}"
    leave = [{"starts_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
              "ends_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()}] if on_leave else []
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        rep = await client.post("/v1/reps", json={"rep_id": owner, "name": owner, "out_of_office": leave}, headers=ops)
        assert rep.status_code == 201, rep.text
        account = await client.put(f"/v1/accounts/acc-{tag}", json={"name": "Key Co", "owner_rep_id": owner,
                                                                  "domains": [domain]}, headers=ops)
        assert account.status_code == 201, account.text
    return domain, owner


async def _routed(stack, services, email: str, attributes: dict) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", headers={
            **services.auth, "content-type": "application/cloudevents+json"},
            content=orjson.dumps(engagement(email, "demo_request", attributes=attributes)))
        assert response.status_code == 202, response.text
    records = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED),
                               lambda rs: [r for r in rs if r.key == email.encode()])
    return body(next(r for r in records if r.key == email.encode()))["data"]


async def test_a_key_accounts_lead_goes_to_its_owner_on_leave_in_the_key_tier(stack, services):
    domain, owner = await _owned_account(services, on_leave=True)
    routed = await _routed(stack, services, unique_email("cfo", domain=domain), LARGE)
    assert (routed["rep_id"], routed["rule"], routed.get("pool_id"), routed["tier"]) == (
        owner, "key_account_owner", None, "key")


async def test_a_key_account_without_an_owner_is_routed_by_the_rules_in_the_key_tier(stack, services):
    routed = await _routed(stack, services, unique_email("cio"), LARGE)
    assert (routed["rep_id"], routed["tier"]) == ("rep-solo", "key")


async def test_an_ordinary_account_whose_owner_is_on_leave_goes_to_the_pool_in_its_own_tier(stack, services):
    domain, _ = await _owned_account(services, on_leave=True)
    routed = await _routed(stack, services, unique_email("vp", domain=domain), FITTING)
    assert (routed["rep_id"], routed.get("pool_id"), routed["tier"]) == ("rep-solo", "default", "hot")
