"""Re-routing on change through the real routing machinery and database: what does not move a lead."""

import uuid
from datetime import UTC, datetime

from schemas.messages import EngagementEvent, QualifiedEvent
from schemas.topics import Topic
from services.router.events import RoutingContext
from services.router.routing.batch_state import BatchRoutingState
from services.router.routing.changes import lead_fields_changed
from services.router.routing.handlers import lead_qualified
from services.router.routing.state import RoutingStateRepository
from services.router.routing.store import RouterRepository


def _ctx(stack) -> RoutingContext:
    return RoutingContext(routed_topic=stack.topic(Topic.ROUTED), followup_topic=stack.topic(Topic.FOLLOWUP),
                          source="tests", default_pool="default", now=lambda: datetime.now(UTC))


def _engagement(key: str, **attributes) -> EngagementEvent:
    return EngagementEvent(id=str(uuid.uuid4()), source="tests", subject=key, data={
        "source": "tests", "activity": "page_view", "email": key, "occurred_at": datetime.now(UTC),
        "attributes": attributes})


async def _routed_lead(conn, ctx, tag: str) -> tuple[str, str, str]:
    us, de = f"ri-us-{tag}", f"ri-de-{tag}"
    await conn.executemany("INSERT INTO router.reps (rep_id, name) VALUES ($1, $1)", [(us,), (de,)])
    await conn.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", [
        # Each rule also names this test's source, so the leads of later tests never match it.
        {"id": "us", "when": [{"field": "source", "equals": f"ri-{tag}"}, {"field": "country", "equals": "US"}],
         "target_rep": us},
        {"id": "de", "when": [{"field": "source", "equals": f"ri-{tag}"}, {"field": "country", "equals": "DE"}],
         "target_rep": de},
        {"id": "catch_all", "target_pool": "default"}])
    key = f"ri-{tag}@rerouted.example"
    event = QualifiedEvent(id=f"q-{tag}", source="tests", data={
        "lead_key": key, "email": key, "source": f"ri-{tag}", "qualified_at": datetime.now(UTC),
        "reason": "threshold:hot", "tier": "hot", "attributes": {"country": "US"}})
    await lead_qualified(RouterRepository(conn), BatchRoutingState(RoutingStateRepository(conn)), [event], ctx)
    return key, us, de


async def _attempts(conn, key: str) -> list[tuple[int, str, str]]:
    rows = await conn.fetch("SELECT attempt, rep_id, status FROM router.assignments WHERE lead_key = $1"
                            " ORDER BY attempt", key)
    return [(r["attempt"], r["rep_id"], r["status"]) for r in rows]


async def test_a_lead_a_rep_has_touched_stays_with_them_whatever_changes(stack, services, db):
    ctx, tag = _ctx(stack), uuid.uuid4().hex[:8]
    async with db.acquire() as conn, conn.transaction():
        key, us, _ = await _routed_lead(conn, ctx, tag)
        await conn.execute("UPDATE router.assignments SET first_touched_at = now() WHERE lead_key = $1", key)
        await lead_fields_changed(RouterRepository(conn), RoutingStateRepository(conn),
                                  [_engagement(key, country="DE")], ctx)
        assert await _attempts(conn, key) == [(1, us, "open")]


async def test_a_change_that_routes_to_the_same_rep_changes_nothing_but_the_stored_fields(stack, services, db):
    ctx, tag = _ctx(stack), uuid.uuid4().hex[:8]
    async with db.acquire() as conn, conn.transaction():
        key, us, _ = await _routed_lead(conn, ctx, tag)
        mine = "SELECT count(*) FROM router.outbox WHERE key = $1"  # the running relay publishes others' meanwhile
        outbox_before = await conn.fetchval(mine, key)
        await lead_fields_changed(RouterRepository(conn), RoutingStateRepository(conn),
                                  [_engagement(key, country="US", employees=900)], ctx)
        assert await _attempts(conn, key) == [(1, us, "open")]
        stored = await conn.fetchval("SELECT qualification FROM router.assignments WHERE lead_key = $1", key)
        assert stored["attributes"] == {"country": "US", "employees": 900}
        assert await conn.fetchval(mine, key) == outbox_before


async def test_a_change_to_another_territory_moves_the_lead_in_the_same_transaction(stack, services, db):
    ctx, tag = _ctx(stack), uuid.uuid4().hex[:8]
    async with db.acquire() as conn, conn.transaction():
        key, us, de = await _routed_lead(conn, ctx, tag)
        await lead_fields_changed(RouterRepository(conn), RoutingStateRepository(conn),
                                  [_engagement(key, country="DE")], ctx)
        assert await _attempts(conn, key) == [(1, us, "reassigned"), (2, de, "open")]


async def test_an_event_repeating_the_stored_fields_waits_for_no_lock(stack, services, db):
    ctx, tag = _ctx(stack), uuid.uuid4().hex[:8]
    async with db.acquire() as conn:
        async with conn.transaction():
            key, us, _ = await _routed_lead(conn, ctx, tag)
        async with db.acquire() as other, other.transaction():
            # Another transaction (a touch, a timer) holds the assignment's row.
            await other.execute("SELECT 1 FROM router.assignments WHERE lead_key = $1 FOR UPDATE", key)
            async with conn.transaction():
                await conn.execute("SET LOCAL lock_timeout = '200ms'")  # a wait for the row would fail here
                await lead_fields_changed(RouterRepository(conn), RoutingStateRepository(conn),
                                          [_engagement(key, country="US")], ctx)
        assert await _attempts(conn, key) == [(1, us, "open")]
