"""SLA timers on the real Kafka and PostgreSQL with a controlled clock: several router replicas,
restarts, late CRM activities, giving up as unworked."""

from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import yaml

from tests.support.followups import followups, qualify_hot
from tests.support.isolated import EXAMPLE_AGREEMENT, isolated_stack
from tests.support.stack import ROOT

MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
REPS = ROOT / "tests" / "data" / "sla-reps.yaml"




async def test_two_routers_and_a_restart_announce_every_transition_exactly_once(stack):
    async with isolated_stack(stack.settings, "replicas", REPS, MONDAY_9) as world, AsyncExitStack() as running:
        first = await running.enter_async_context(AsyncExitStack())
        await first.enter_async_context(world.router())
        await running.enter_async_context(world.router())
        leads = {f"replica-{i}@example.com" for i in range(12)}
        for lead in leads:
            await qualify_hot(world, lead)
        await followups(world, leads, 12)

        world.clock.advance(minutes=30)  # two warnings, breach, escalation, reassignment each
        await followups(world, leads, 12 * 6)
        await first.aclose()  # one replica stops; a new one starts
        await running.enter_async_context(world.router())
        world.clock.advance(minutes=30)  # the second rep misses too; nobody else is left: overflow
        events = await followups(world, leads, 12 * 11)

        assert len(events) == 12 * 11
        assert len({e["id"] for e in events}) == len(events)
        per_lead = Counter((e["subject"], e["data"]["status"]) for e in events)
        for lead in leads:
            assert {s: n for (k, s), n in per_lead.items() if k == lead} == {
                "assigned": 1, "sla_warning": 4, "sla_breached": 2, "escalated": 2, "reassigned": 1, "overflow": 1}


async def test_an_activity_timestamped_before_a_reassignment_counts_for_the_rep_who_held_the_lead(stack):
    async with isolated_stack(stack.settings, "late", REPS, MONDAY_9) as world, world.router() as router:
        lead = "late-call@example.com"
        await qualify_hot(world, lead)
        [assigned] = await followups(world, {lead}, 1)
        first_rep = assigned["data"]["rep_id"]
        world.clock.advance(minutes=35)  # breached at 30 and reassigned
        await followups(world, {lead}, 6)

        # The CRM syncs late: the first rep's call happened at minute 20, before the breach.
        called_at = MONDAY_9.replace(minute=20)
        response = await router.post("/v1/crm/activities", headers=world.auth, json={
            "activity_id": "late-1", "lead_key": lead, "rep_id": first_rep, "kind": "call",
            "occurred_at": called_at.isoformat()})
        assert response.status_code == 202, response.text
        touched = (await followups(world, {lead}, 7))[6]["data"]
        assert (touched["status"], touched["rep_id"], touched["business_minutes_to_first_touch"],
                touched["on_time"]) == ("touched", first_rep, 20.0, True)
        async with world.db() as conn:
            rows = await conn.fetch("SELECT rep_id, first_touched_at FROM router.assignments WHERE lead_key = $1"
                                    " ORDER BY attempt", lead)
        assert [(r["rep_id"], r["first_touched_at"]) for r in rows] == [
            (first_rep, called_at), (rows[1]["rep_id"], None)]


async def test_a_breach_beyond_the_reassignment_limit_leaves_the_lead_unworked(stack, tmp_path):
    agreement = yaml.safe_load(EXAMPLE_AGREEMENT.read_text())
    agreement["sla"]["tiers"][0]["on_breach"] = {"escalate": True, "reassign_max": 0, "then": "unworked"}
    path = tmp_path / "no-reassign.yaml"
    path.write_text(yaml.safe_dump(agreement))
    async with isolated_stack(stack.settings, "unworked", REPS, MONDAY_9, agreement=path) as world, world.router():
        lead = "unworked@example.com"
        await qualify_hot(world, lead)
        await followups(world, {lead}, 1)
        world.clock.advance(minutes=30)
        events = await followups(world, {lead}, 6)
        assert [e["data"]["status"] for e in events] == [
            "assigned", "sla_warning", "sla_warning", "sla_breached", "escalated", "unworked"]
        async with world.db() as conn:
            assert await conn.fetchval("SELECT status FROM router.assignments WHERE lead_key = $1", lead) == "unworked"


async def test_a_touched_lead_not_accepted_in_time_breaches_the_accept_target(stack):
    async with isolated_stack(stack.settings, "accept", REPS, MONDAY_9) as world, world.router() as router:
        lead = "slow-accept@example.com"
        await qualify_hot(world, lead)
        [assigned] = await followups(world, {lead}, 1)
        world.clock.advance(minutes=5)
        response = await router.post("/v1/crm/activities", headers=world.auth, json={
            "activity_id": "accept-call", "lead_key": lead, "rep_id": assigned["data"]["rep_id"], "kind": "email",
            "occurred_at": world.clock().isoformat()})
        assert response.status_code == 202, response.text
        await followups(world, {lead}, 2)
        world.clock.advance(hours=4)  # 240 business minutes after routing
        events = await followups(world, {lead}, 4)
        assert [(e["data"]["status"], e["data"]["reason"]) for e in events[2:]] == [
            ("sla_breached", "accept_target"), ("escalated", "accept_target")]
