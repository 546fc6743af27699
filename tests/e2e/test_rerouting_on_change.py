"""Re-routing on change through the real Kafka and PostgreSQL: an engagement event that changes a
field the rules read moves an untouched lead; other changes leave it where it is."""

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer

from schemas.messages import EngagementEvent, QualifiedEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.kafka import wait_for


@pytest.fixture
async def territories(db):
    """Two reps, one per territory rule on `country`, and a rule set naming them."""
    tag = uuid.uuid4().hex[:8]
    us, de = f"rc-us-{tag}", f"rc-de-{tag}"
    await db.executemany("INSERT INTO router.reps (rep_id, name) VALUES ($1, $1)", [(us,), (de,)])
    await db.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'test')", [
        # Each rule also names this test's source, so the leads of later tests never match it.
        {"id": "north_america", "when": [{"field": "source", "equals": f"rc-{tag}"},
                                         {"field": "country", "in": ["US", "CA"]}], "target_rep": us},
        {"id": "dach", "when": [{"field": "source", "equals": f"rc-{tag}"},
                                {"field": "country", "in": ["DE", "AT", "CH"]}], "target_rep": de},
        {"id": "catch_all", "target_pool": "default"}])
    return us, de, tag


async def _send(stack, topic: Topic, event) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(stack.topic(topic), encode(event), key=event.subject.encode(),
                                     headers=STRUCTURED_HEADERS)
    finally:
        await producer.stop()


def _engagement(key: str, **attributes) -> EngagementEvent:
    return EngagementEvent(id=str(uuid.uuid4()), source="tests", subject=key, data={
        "source": "tests", "activity": "page_view", "email": key, "occurred_at": datetime.now(UTC),
        "attributes": attributes})


async def test_a_changed_territory_field_moves_the_untouched_lead_and_restarts_its_clock(stack, services, db,
                                                                                       territories):
    us, de, tag = territories
    key = f"rc-{tag}@rerouted.example"
    await _send(stack, Topic.QUALIFIED, QualifiedEvent(id=f"q-{tag}", source="tests", subject=key, data={
        "lead_key": key, "email": key, "source": f"rc-{tag}", "qualified_at": datetime.now(UTC),
        "reason": "threshold:hot", "tier": "hot", "attributes": {"country": "US", "title": "VP Sales"}}))
    first = await wait_for(lambda: db.fetchrow("SELECT assignment_id, rep_id FROM router.assignments"
                                               " WHERE lead_key = $1", key))
    assert first["rep_id"] == us
    await _send(stack, Topic.ENGAGEMENT, _engagement(key, title="CRO"))  # a field no rule reads
    await _send(stack, Topic.ENGAGEMENT, _engagement(key, country="CA"))  # read, but the same route
    await _send(stack, Topic.ENGAGEMENT, _engagement(key, country="DE"))  # another territory

    moved = await wait_for(lambda: db.fetchrow("SELECT assignment_id, rep_id, decision, qualification"
                                               " FROM router.assignments WHERE lead_key = $1 AND attempt = 2", key))
    assert moved["rep_id"] == de and moved["decision"]["rule"] == "dach"
    assert moved["decision"]["reassigned_because"] == "lead_changed"
    assert moved["qualification"]["attributes"] == {"country": "DE", "title": "CRO"}
    rows = await db.fetch("SELECT attempt, status FROM router.assignments WHERE lead_key = $1 ORDER BY attempt", key)
    assert [(r["attempt"], r["status"]) for r in rows] == [(1, "reassigned"), (2, "open")]  # CA moved nothing
    old = await db.fetch("SELECT cancelled_at, fired_at FROM router.sla_timers WHERE assignment_id = $1",
                         first["assignment_id"])
    assert old and all(t["cancelled_at"] is not None for t in old if t["fired_at"] is None)
    new = await db.fetchval("SELECT count(*) FROM router.sla_timers WHERE assignment_id = $1"
                            " AND cancelled_at IS NULL AND fired_at IS NULL", moved["assignment_id"])
    assert new > 0
