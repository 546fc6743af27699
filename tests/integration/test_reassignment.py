"""Reassignment through the real routing machinery and database."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.agreement.active import Versioned
from services.agreement.document import AgreementDocument
from services.router.events import RoutingContext
from services.router.routing.batch_state import BatchRoutingState
from services.router.routing.handlers import lead_qualified, reassign
from services.router.routing.state import RoutingStateRepository
from services.router.routing.store import RouterRepository
from tests.support.agreements import example_document


def _ctx(stack) -> RoutingContext:
    # Real topic names: the running router's relay publishes these outbox rows.
    return RoutingContext(routed_topic=stack.topic(Topic.ROUTED), followup_topic=stack.topic(Topic.FOLLOWUP),
                          source="tests", default_pool="default", now=lambda: datetime.now(UTC))


async def test_a_lead_is_reassigned_to_a_rep_who_has_not_had_it(stack, services, db):
    ctx = _ctx(stack)
    tag = uuid.uuid4().hex[:8]
    reps, pool_id, source = [f"re-{tag}-{i}" for i in range(3)], f"re-{tag}", f"re-{tag}"
    await db.executemany("INSERT INTO router.reps (rep_id, name) VALUES ($1, $1)", [(r,) for r in reps])
    await db.execute("INSERT INTO router.pools (pool_id, name) VALUES ($1, $1)", pool_id)
    await db.executemany("INSERT INTO router.pool_members (pool_id, rep_id) VALUES ($1, $2)",
                         [(pool_id, r) for r in reps])
    await db.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", [
        {"id": "re", "when": [{"field": "source", "equals": source}], "target_pool": pool_id},
        {"id": "catch_all", "target_pool": "default"}])
    event = QualifiedEvent(id=f"q-{tag}", source="tests", data={
        "lead_key": f"{tag}@re.example", "source": source, "qualified_at": datetime.now(UTC),
        "reason": "threshold:hot", "tier": "hot"})
    async with db.acquire() as conn, conn.transaction():
        repo, state = RouterRepository(conn), RoutingStateRepository(conn)
        await lead_qualified(repo, BatchRoutingState(state), [event], ctx)  # as the consumer does
        second = await reassign(repo, state, event.data, event.id, "sla_breached", ctx)
        third = await reassign(repo, state, event.data, event.id, "sla_breached", ctx)
        fourth = await reassign(repo, state, event.data, event.id, "sla_breached", ctx)
    rows = await db.fetch("SELECT rep_id, attempt, status FROM router.assignments WHERE qualification_id = $1"
                          " ORDER BY attempt", event.id)
    assert [r["attempt"] for r in rows] == [1, 2, 3]
    assert len({r["rep_id"] for r in rows}) == 3 and {second, third} <= set(reps)
    assert [r["status"] for r in rows] == ["reassigned", "reassigned", "reassigned"]
    assert fourth is None  # everyone had it: overflow, visible
    assert await db.fetchval("SELECT count(*) FROM router.overflow WHERE lead_key = $1", event.data.lead_key) == 1


async def test_a_reassignment_skips_the_leads_last_n_assignees_across_its_handoffs(stack, services, db):
    tag = uuid.uuid4().hex[:8]
    doc = AgreementDocument.model_validate(example_document())
    tiers = tuple(t.model_copy(update={"on_breach": t.on_breach.model_copy(update={"exclude_last": 2})})
                  for t in doc.sla.tiers)
    doc = doc.model_copy(update={"sla": doc.sla.model_copy(update={"tiers": tiers})})
    ctx = replace(_ctx(stack), agreement=lambda: Versioned(1, doc))
    reps, pool_id, source = [f"pp-{tag}-{i}" for i in range(3)], f"pp-{tag}", f"pp-{tag}"
    await db.executemany("INSERT INTO router.reps (rep_id, name) VALUES ($1, $1)", [(r,) for r in reps])
    await db.execute("INSERT INTO router.pools (pool_id, name) VALUES ($1, $1)", pool_id)
    await db.executemany("INSERT INTO router.pool_members (pool_id, rep_id) VALUES ($1, $2)",
                         [(pool_id, r) for r in reps])
    await db.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", [
        {"id": "pp", "when": [{"field": "source", "equals": source}], "target_pool": pool_id},
        {"id": "catch_all", "target_pool": "default"}])
    lead_key, tier = f"{tag}@pp.example", doc.sla.tiers[0].name
    earlier, now = (QualifiedEvent(id=f"q-{tag}-{n}", source="tests", data={
        "lead_key": lead_key, "source": source, "qualified_at": datetime.now(UTC), "reason": "threshold:hot",
        "tier": tier}) for n in (1, 2))
    async with db.acquire() as conn, conn.transaction():
        repo, state = RouterRepository(conn), RoutingStateRepository(conn)
        await lead_qualified(repo, BatchRoutingState(state), [earlier], ctx)  # an earlier handoff of the lead
        first_rep = await conn.fetchval("SELECT rep_id FROM router.assignments WHERE qualification_id = $1", earlier.id)
        await conn.execute("UPDATE router.assignments SET status = 'closed' WHERE qualification_id = $1", earlier.id)
        await lead_qualified(repo, BatchRoutingState(state), [now], ctx)  # recycled and qualified again
        holder = await conn.fetchval("SELECT rep_id FROM router.assignments WHERE qualification_id = $1", now.id)
        (left,) = set(reps) - {first_rep, holder}
        # Put the one rep who never had the lead last in line: without the guard, first_rep would be next.
        await conn.execute("UPDATE router.pool_members SET pass_value = 10 WHERE rep_id = $1", left)
        moved_to = await reassign(repo, state, now.data, now.id, "sla_breached", ctx)
    assert holder != first_rep  # the rotation moved on
    assert moved_to == left  # neither the holder nor the lead's assignee before them
    stored = await db.fetchval("SELECT decision FROM router.assignments WHERE qualification_id = $1 AND attempt = 2",
                               now.id)
    assert stored["excluded"] == sorted({first_rep, holder}) and stored["exclude_last"] == 2
    assert stored["considered"][-1] == {"rep_id": left, "skipped": None}
    assert {"rep_id": first_rep, "skipped": "excluded"} in stored["considered"]
