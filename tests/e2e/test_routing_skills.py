"""Skills and languages on the real Kafka and PostgreSQL with a controlled clock: a required need
narrows the candidates, an optional one keeps the lead waiting, then is relaxed and says why."""

from datetime import UTC, datetime, timedelta

from schemas.topics import Topic
from tests.support.followups import qualify_hot
from tests.support.isolated import isolated_stack
from tests.support.kafka import body, read_until, wait_for
from tests.support.stack import ROOT

MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
REPS = ROOT / "tests" / "data" / "skills-reps.yaml"
RULES = {"rules": [{"id": "by_language", "target_pool": "default", "skills": [
    {"kind": "language", "from_field": "language", "min_level": 4, "optional": True, "relax_after_minutes": 10},
    {"kind": "skill", "from_field": "product"}]}]}



async def test_an_optional_language_waits_then_is_relaxed_and_the_decision_says_why(stack):
    async with isolated_stack(stack.settings, "skills", REPS, MONDAY_9) as world, world.router() as router:
        stored = await router.put("/v1/routing/rules", headers=world.auth, json=RULES)
        assert stored.status_code == 200, stored.text
        preview = (await router.post("/v1/routing/preview", headers=world.auth, json={
            "email": "x@example.com", "tier": "hot", "attributes": {"language": "de", "product": "gadgets"},
            "at": MONDAY_9.isoformat()})).json()
        assert preview["rep_id"] is None  # nobody sells gadgets: a required skill is never relaxed
        assert preview["decision"]["skills"]["required"] == ["skill:gadgets>=1"]

        lead = "skills-de@example.com"
        await qualify_hot(world, lead, language="de")
        async with world.db() as conn:
            waiting = await wait_for(lambda: conn.fetchrow(
                "SELECT retry_at, decision FROM router.overflow WHERE lead_key = $1", lead))
        assert waiting["retry_at"] == MONDAY_9 + timedelta(minutes=10)
        assert waiting["decision"]["overflow_reason"].startswith("waiting for a rep with the optional skills")

        world.clock.advance(minutes=10)  # the wait ends; Dieter is still away
        events = [body(r) for r in await read_until(world.bootstrap, world.topic(Topic.FOLLOWUP),
                                                    lambda rs: sum(r.key.decode() == lead for r in rs) >= 2)]
        assert [e["data"]["status"] for e in events if e["subject"] == lead] == ["overflow", "assigned"]
        async with world.db() as conn:
            assigned = await conn.fetchrow("SELECT rep_id, decision FROM router.assignments WHERE lead_key = $1", lead)
            resolved = await conn.fetchval("SELECT resolved_at FROM router.overflow WHERE lead_key = $1", lead)
        assert assigned["rep_id"] == "rep-en" and resolved == MONDAY_9 + timedelta(minutes=10)
        (relaxed,) = assigned["decision"]["skills"]["relaxed"]
        assert relaxed["need"] == "language:de>=4" and "after 10 of 10 minutes' wait" in relaxed["why"]
        timeline = (await router.get(f"/v1/leads/{lead}/timeline", headers=world.auth)).json()
        assert timeline[-1]["detail"]["skills"]["relaxed"] == [relaxed]
        board = (await router.get("/v1/sla/board", headers=world.auth, params={
            "since": MONDAY_9.isoformat(), "until": (MONDAY_9 + timedelta(hours=1)).isoformat()})).json()
        assert {r["group"]: r["skills_relaxed"] for r in board["reps"]} == {"rep-en": 1}
        assert board["totals"]["skills_relaxed"] == 1
