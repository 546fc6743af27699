"""Least-busy pools across two router processes, on the real Kafka and PostgreSQL."""

import uuid
from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from schemas.messages import QualifiedEvent
from tests.support.assignments import add_assignment
from tests.support.kafka import wait_for
from tests.support.qualified import publish_qualified, qualified_lead

WEIGHTS = (1, 1, 1, 2)
HEAD_START = 40  # open leads the first rep already holds
LEADS = 400


@pytest.fixture
async def least_busy_pool(services, db):
    """Four reps weighted 1:1:1:2 in a least-busy pool made through the API; the first already holds 40 leads."""
    tag = uuid.uuid4().hex[:8]
    reps = {f"lb-{tag}-{i}": w for i, w in enumerate(WEIGHTS)}
    pool_id, source = f"lb-{tag}", f"lb-test-{tag}"
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        for rep in reps:
            assert (await client.post("/v1/reps", json={"rep_id": rep, "name": rep})).status_code == 201
        created = await client.put(f"/v1/pools/{pool_id}", json={"name": "LB", "distribution": "least_busy",
                                                                  "members": reps})
        assert created.status_code == 201, created.text
        assert (await client.get(f"/v1/pools/{pool_id}")).json()["distribution"] == "least_busy"
    for _ in range(HEAD_START):
        await add_assignment(db, next(iter(reps)), datetime.now(UTC))
    rules = [{"id": "account_owner", "kind": "account_owner"},
             {"id": "least_busy", "when": [{"field": "source", "equals": source}], "target_pool": pool_id},
             {"id": "catch_all", "target_pool": "default"}]
    await db.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", rules)
    return reps, source


def _qualified(source: str, n: int, tag: str) -> QualifiedEvent:
    return qualified_lead("lb", source, n, tag, domains=89)


async def test_leads_through_two_routers_level_the_open_leads_by_weight(stack, services, db, start_extra,
                                                                       least_busy_pool):
    reps, source = least_busy_pool
    await start_extra("router")  # a second replica in the same consumer group
    tag = uuid.uuid4().hex[:6]
    await publish_qualified(stack, (_qualified(source, n, tag) for n in range(LEADS)))

    async def all_assigned():
        n = await db.fetchval("SELECT count(*) FROM router.assignments WHERE rep_id = ANY($1) AND rule = 'least_busy'",
                              list(reps))
        return n == LEADS

    await wait_for(all_assigned, timeout=120, interval=0.5)
    open_leads = Counter({r["rep_id"]: r["n"] for r in await db.fetch(
        "SELECT rep_id, count(*) AS n FROM router.assignments WHERE rep_id = ANY($1) AND status = 'open'"
        " GROUP BY rep_id", list(reps))})
    per_weight = (LEADS + HEAD_START) / sum(WEIGHTS)
    assert all(abs(open_leads[rep] - per_weight * w) <= 2 for rep, w in reps.items()), open_leads
    decisions = await db.fetch("SELECT decision FROM router.assignments WHERE rule = 'least_busy' AND rep_id = ANY($1)",
                               list(reps))
    assert all("open_leads" in d["decision"]["considered"][-1] for d in decisions)  # each load is on record


async def test_the_preview_of_a_least_busy_pool_names_the_least_busy_rep(services, least_busy_pool):
    reps, source = least_busy_pool
    async with httpx.AsyncClient() as client:
        preview = (await client.post(f"{services.router_url}/v1/routing/preview", headers=services.auth,
                                     json={"email": "someone@preview-lb.example", "source": source,
                                           "tier": "hot"})).json()
    busy = next(iter(reps))
    assert preview["rule"] == "least_busy" and preview["rep_id"] in reps and preview["rep_id"] != busy
    assert preview["decision"]["considered"][-1]["open_leads"] == 0
