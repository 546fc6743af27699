"""Weighted round robin across two router processes, on the real Kafka and PostgreSQL."""

import uuid
from collections import Counter

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.kafka import wait_for
from tests.support.qualified import publish_qualified, qualified_lead

WEIGHTS = (1, 1, 1, 2)
LEADS = 1000


@pytest.fixture
async def weighted_pool(db):
    """Four reps weighted 1:1:1:2 in a pool of their own, and a rule sending one source there."""
    tag = uuid.uuid4().hex[:8]
    reps = {f"wrr-{tag}-{i}": w for i, w in enumerate(WEIGHTS)}
    pool_id, source = f"wrr-{tag}", f"wrr-test-{tag}"
    await db.executemany("INSERT INTO router.reps (rep_id, name) VALUES ($1, $1)", [(r,) for r in reps])
    await db.execute("INSERT INTO router.pools (pool_id, name) VALUES ($1, $1)", pool_id)
    await db.executemany("INSERT INTO router.pool_members (pool_id, rep_id, weight) VALUES ($1, $2, $3)",
                         [(pool_id, r, w) for r, w in reps.items()])
    rules = [{"id": "account_owner", "kind": "account_owner"},
             {"id": "wrr", "when": [{"field": "source", "equals": source}], "target_pool": pool_id},
             {"id": "catch_all", "target_pool": "default"}]
    await db.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", rules)
    return reps, source


def _qualified(source: str, n: int, tag: str) -> QualifiedEvent:
    return qualified_lead("wrr", source, n, tag, domains=97)


async def test_a_thousand_leads_through_two_routers_are_shared_by_weight(stack, services, db, start_extra,
                                                                         weighted_pool):
    reps, source = weighted_pool
    await start_extra("router")  # a second replica in the same consumer group
    tag = uuid.uuid4().hex[:6]
    await publish_qualified(stack, (_qualified(source, n, tag) for n in range(LEADS)))

    async def all_assigned():
        n = await db.fetchval("SELECT count(*) FROM router.assignments WHERE rep_id = ANY($1)", list(reps))
        return n == LEADS

    await wait_for(all_assigned, timeout=120, interval=0.5)
    rows = await db.fetch("SELECT qualification_id, rep_id, rule, decision FROM router.assignments"
                          " WHERE rep_id = ANY($1)", list(reps))
    counts = Counter(r["rep_id"] for r in rows)
    ideal = {rep: LEADS * w / sum(WEIGHTS) for rep, w in reps.items()}
    assert all(abs(counts[rep] - ideal[rep]) <= 2 for rep in reps), (counts, ideal)
    assert len({r["qualification_id"] for r in rows}) == LEADS  # none assigned twice
    assert all(r["rule"] == "wrr" and r["decision"]["considered"] for r in rows)  # every one explained


async def test_the_preview_names_the_rep_the_real_decision_then_picks(stack, services, db, weighted_pool):
    reps, source = weighted_pool
    email = f"preview-{uuid.uuid4().hex[:6]}@preview.example"
    async with httpx.AsyncClient() as client:
        preview = (await client.post(f"{services.router_url}/v1/routing/preview", headers=services.auth,
                                     json={"email": email, "source": source, "tier": "hot"})).json()
    assert preview["rule"] == "wrr" and preview["rep_id"] in reps
    event = _qualified(source, 0, uuid.uuid4().hex[:6]).model_copy(
        update={"data": _qualified(source, 0, "x").data.model_copy(update={"lead_key": email, "email": email})})
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(stack.topic(Topic.QUALIFIED), encode(event), key=email.encode(),
                                     headers=STRUCTURED_HEADERS)
    finally:
        await producer.stop()
    assigned = await wait_for(lambda: db.fetchval("SELECT rep_id FROM router.assignments WHERE lead_key = $1", email))
    assert assigned == preview["rep_id"]
    async with httpx.AsyncClient() as client:
        timeline = (await client.get(f"{services.router_url}/v1/leads/{email}/timeline", headers=services.auth)).json()
    assert timeline[0]["kind"] == "assigned"
    assert timeline[0]["detail"]["considered"][-1] == {"rep_id": assigned, "skipped": None}
