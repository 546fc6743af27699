"""The accountability loop on the real Kafka and PostgreSQL, with a controlled clock:
routed -> no touch -> warnings -> breach -> escalated -> reassigned -> touched on time by the
second rep -> rejected -> recycled at the scorer; every follow-up event and the summary checked."""

from datetime import UTC, datetime

import orjson
import pytest

from schemas.topics import Topic
from tests.support.events import engagement, unique_email
from tests.support.isolated import isolated_stack
from tests.support.kafka import body, read_until, wait_for
from tests.support.stack import ROOT

# Monday 2031-03-03 09:00 in Berlin: the example agreement's hot tier wants a first touch within
# 30 business minutes, with warnings at 50% and 80%, escalation, and up to 2 reassignments.
MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
async def world(stack):
    async with isolated_stack(stack.settings, "sla", ROOT / "tests" / "data" / "sla-reps.yaml", MONDAY_9) as iso:
        yield iso


def _followups_of(lead_key: str):
    return lambda records: [body(r) for r in records if r.key == lead_key.encode()]


async def _followups(world, lead_key: str, count: int) -> list[dict]:
    """The lead's follow-up events once there are at least `count` of them."""
    pick = _followups_of(lead_key)
    records = await read_until(world.bootstrap, world.topic(Topic.FOLLOWUP), lambda rs: len(pick(rs)) >= count)
    return pick(records)


def _steps(events: list[dict]) -> list[tuple[str, str | None]]:
    return [(e["data"]["status"], e["data"]["rep_id"]) for e in events]


async def _activity(world, router, **data):
    response = await router.post("/v1/crm/activities", json=data, headers=world.auth)
    assert response.status_code == 202, response.text
    return response.json()


async def test_an_untouched_lead_is_warned_breached_escalated_reassigned_and_touched_on_time(world):
    async with world.scorer() as scorer, world.router() as router:
        email = unique_email("sla").lower()
        event = engagement(email, "demo_request", occurred_at=world.clock().isoformat())
        response = await scorer.post("/v1/events", content=orjson.dumps(event),
                                     headers={**world.auth, "content-type": "application/cloudevents+json"})
        assert response.status_code == 202, response.text

        [assigned] = await _followups(world, email, 1)
        first_rep = assigned["data"]["rep_id"]
        second_rep = ({"rep-ada", "rep-bo"} - {first_rep}).pop()
        manager = {"rep-ada": "mgr-east", "rep-bo": "mgr-west"}[first_rep]

        world.clock.advance(minutes=15)  # 50% of the 30 minutes
        events = await _followups(world, email, 2)
        world.clock.advance(minutes=9)  # 80%
        events = await _followups(world, email, 3)
        world.clock.advance(minutes=6)  # due: breach, escalate, reassign
        events = await _followups(world, email, 6)
        assert _steps(events) == [
            ("assigned", first_rep), ("sla_warning", first_rep), ("sla_warning", first_rep),
            ("sla_breached", first_rep), ("escalated", first_rep), ("reassigned", second_rep)]
        assert events[4]["data"]["manager_id"] == manager
        assert events[5]["data"]["previous_rep_id"] == first_rep

        world.clock.advance(minutes=10)  # 09:40: the second rep calls, 10 of their 30 minutes in
        await _activity(world, router, activity_id=f"call-{email}", lead_key=email, rep_id=second_rep, kind="call",
                        occurred_at=world.clock().isoformat())
        events = await _followups(world, email, 7)
        touched = events[6]["data"]
        assert (touched["status"], touched["rep_id"]) == ("touched", second_rep)
        assert touched["business_minutes_to_first_touch"] == 10.0 and touched["on_time"] is True

        world.clock.advance(minutes=60)  # past the second rep's due time: no more warnings for a touched lead
        await _activity(world, router, activity_id=f"reject-{email}", lead_key=email, rep_id=second_rep, kind="status",
                        status="rejected", reason="no budget", occurred_at=world.clock().isoformat())
        events = await _followups(world, email, 9)
        assert _steps(events)[6:] == [("touched", second_rep), ("rejected", second_rep), ("recycled", second_rep)]
        assert events[8]["data"]["reason"] == "no budget"
        assert len({e["id"] for e in events}) == len(events)

        async def recycled():
            async with world.db() as conn:
                return await conn.fetchval("SELECT lifecycle FROM scorer.leads WHERE lead_key = $1",
                                           email) == "recycled"
        assert await wait_for(recycled)

        summary = await router.get("/v1/sla/summary", params={"group_by": "rep", "since": MONDAY_9.isoformat()},
                                   headers=world.auth)
        assert summary.status_code == 200, summary.text
        rows = {row["group"]: row for row in summary.json()["rows"]}
        assert (rows[first_rep]["assigned"], rows[first_rep]["breached"], rows[first_rep]["reassigned"],
                rows[first_rep]["touched"]) == (1, 1, 1, 0)
        assert (rows[second_rep]["assigned"], rows[second_rep]["touched"], rows[second_rep]["touched_on_time"],
                rows[second_rep]["median_minutes_to_first_touch"]) == (1, 1, 1, 10.0)

        async def metrics_caught_up():
            text = (await router.get("/metrics")).text
            return 'handoff_sla_breached{tier="hot"} 1.0' in text and 'handoff_sla_touched{tier="hot"} 1.0' in text
        assert await wait_for(metrics_caught_up, timeout=10)

        timeline = await router.get(f"/v1/leads/{email}/timeline", headers=world.auth)
        assert [(step["kind"], step["rep_id"]) for step in timeline.json()] == [
            ("assigned", first_rep), ("sla_warning", first_rep), ("sla_warning", first_rep),
            ("sla_breached", first_rep), ("assigned", second_rep), ("crm_call", second_rep),
            ("crm_status", second_rep)]
