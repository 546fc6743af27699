"""One account, one rep, through the running services on the real Kafka and PostgreSQL."""

import uuid

import httpx
import orjson

from schemas.topics import Topic
from tests.support.agreements import role_key
from tests.support.events import engagement, unique_email
from tests.support.kafka import body, read_until


async def _routed(stack, services, email: str) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events",
                                     content=orjson.dumps(engagement(email, "demo_request")),
                                     headers={**services.auth, "content-type": "application/cloudevents+json"})
        assert response.status_code == 202, response.text
    records = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED),
                               lambda rs: [r for r in rs if r.key == email.encode()])
    return body(next(r for r in records if r.key == email.encode()))["data"]


async def test_a_colleague_goes_to_the_rep_already_working_the_account_after_the_owner_changed(stack, services):
    tag = uuid.uuid4().hex[:8]
    domain, first, second, account = f"worked-{tag}.com", f"first-{tag}", f"second-{tag}", f"acc-{tag}"
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.router_url, headers=ops) as router:
        for rep in (first, second):
            assert (await router.post("/v1/reps", json={"rep_id": rep, "name": rep})).status_code == 201
        put = await router.put(f"/v1/accounts/{account}", json={"name": "Initech", "owner_rep_id": first,
                                                                 "domains": [domain]})
        assert put.status_code == 201, put.text
        assert (await _routed(stack, services, unique_email("peter", domain=domain)))["rep_id"] == first
        moved = await router.put(f"/v1/accounts/{account}", json={"name": "Initech", "owner_rep_id": second,
                                                                   "domains": [domain]})
        assert moved.status_code == 200, moved.text
    routed = await _routed(stack, services, unique_email("samir", domain=domain))
    assert (routed["rep_id"], routed["rule"]) == (first, "account_in_progress")
