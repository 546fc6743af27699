"""Lead-to-account matching by company name through the real Kafka and PostgreSQL: strong matches
route to the account owner, weak ones route as usual and wait in the review queue."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.kafka import wait_for


@pytest.fixture
async def acme(services, db):
    """An account "Acme <tag> Corporation" owned by a rep of its own, and no domain of it."""
    tag = uuid.uuid4().hex[:6]
    owner, name = f"am-owner-{tag}", f"Zyxwood {tag} Corporation"
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        assert (await client.post("/v1/reps", json={"rep_id": owner, "name": owner})).status_code == 201
        created = await client.put(f"/v1/accounts/am-{tag}", json={"name": name, "owner_rep_id": owner})
        assert created.status_code == 201, created.text
    await db.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", [
        {"id": "account_owner", "kind": "account_owner"}, {"id": "catch_all", "target_pool": "default"}])
    return f"am-{tag}", owner, tag


async def _qualify(stack, company: str) -> str:
    key = f"{uuid.uuid4().hex[:8]}@gmail.com"  # free mail: no company domain to match
    event = QualifiedEvent(id=f"q-{key}", source="tests", subject=key, data={
        "lead_key": key, "email": key, "source": "api", "qualified_at": datetime.now(UTC), "reason": "threshold:hot",
        "tier": "hot", "attributes": {"company": company}})
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(stack.topic(Topic.QUALIFIED), encode(event), key=key.encode(),
                                     headers=STRUCTURED_HEADERS)
    finally:
        await producer.stop()
    return key


async def test_a_company_name_written_another_way_routes_to_the_account_owner(stack, services, db, acme):
    account_id, owner, tag = acme
    key = await _qualify(stack, f"ZYXWOOD {tag} Corp.")
    row = await wait_for(lambda: db.fetchrow("SELECT rep_id, account_id, decision FROM router.assignments"
                                             " WHERE lead_key = $1", key))
    assert (row["rep_id"], row["account_id"]) == (owner, account_id)
    match = row["decision"]["account_match"]
    assert (match["method"], match["score"], match["compared"]) == ("name", 100.0, [f"zyxwood {tag}"] * 2)
    assert await db.fetchval("SELECT count(*) FROM router.account_match_reviews WHERE lead_key = $1", key) == 0


async def test_a_weak_match_routes_as_usual_and_ops_review_it(stack, services, db, acme):
    account_id, owner, tag = acme
    key = await _qualify(stack, f"Zyxwood {tag} Europe")
    row = await wait_for(lambda: db.fetchrow("SELECT rep_id, account_id, decision FROM router.assignments"
                                             " WHERE lead_key = $1", key))
    assert row["account_id"] is None and row["rep_id"] != owner
    assert row["decision"]["account_review"]["account_id"] == account_id
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        queue = (await client.get("/v1/accounts/matches")).json()
        (review,) = [r for r in queue if r["lead_key"] == key]
        assert (review["account_id"], review["method"], review["status"]) == (account_id, "name", "pending")
        assert 75 <= review["score"] < 90 and review["compared"]["lead"] == f"Zyxwood {tag} Europe"
        bad = await client.post(f"/v1/accounts/matches/{review['review_id']}", json={"status": "maybe"})
        assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "status"
        confirmed = await client.post(f"/v1/accounts/matches/{review['review_id']}", json={"status": "confirmed"})
        assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
        again = await client.post(f"/v1/accounts/matches/{review['review_id']}", json={"status": "rejected"})
        assert again.status_code == 409
        assert (await client.post("/v1/accounts/matches/999999999", json={"status": "rejected"})).status_code == 404
        pending = (await client.get("/v1/accounts/matches")).json()
        assert key not in {r["lead_key"] for r in pending}
        audit = (await client.get("/v1/audit", params={"entity": "account_match",
                                                         "entity_id": str(review["review_id"])})).json()
        assert [a["action"] for a in audit] == ["confirmed"]
