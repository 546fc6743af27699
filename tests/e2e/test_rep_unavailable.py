"""A rep who misses K first-touch SLAs in a row is set unavailable until a manager clears it (a pool's
opt-in), on the real Kafka and PostgreSQL with a controlled clock."""

from datetime import UTC, datetime

from tests.support.followups import followups, qualify_hot
from tests.support.isolated import isolated_stack
from tests.support.stack import ROOT

MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
REPS = ROOT / "tests" / "data" / "sla-hold-reps.yaml"




async def test_two_missed_first_touches_in_a_row_set_the_rep_unavailable_until_a_manager_clears_it(stack):
    async with isolated_stack(stack.settings, "hold", REPS, MONDAY_9) as world, world.router() as router:
        leads = {f"hold-{i}@example.com" for i in range(3)}  # round robin: Ada, Bo, Ada
        for lead in sorted(leads):
            await qualify_hot(world, lead)
        await followups(world, leads, 3)
        world.clock.advance(minutes=30)  # every first touch is missed
        # Each lead: assigned, two warnings, breached, escalated, then reassigned or overflow; and one hold.
        events = await followups(world, leads, 19)
        holds = [e["data"] for e in events if e["data"]["status"] == "rep_unavailable"]
        assert [(h["rep_id"], h["manager_id"]) for h in holds] == [("rep-ada", "mgr-east")]
        assert "missed 2 first-touch SLAs in a row" in holds[0]["reason"]

        rep = (await router.get("/v1/reps/rep-ada", headers=world.auth)).json()
        assert rep["unavailable_since"] == world.clock().isoformat().replace("+00:00", "Z")
        bo = (await router.get("/v1/reps/rep-bo", headers=world.auth)).json()
        assert bo["unavailable_since"] is None  # Bo missed one only
        board = (await router.get("/v1/sla/board", headers=world.auth, params={
            "since": MONDAY_9.isoformat(), "until": world.clock().isoformat()})).json()
        assert [(u["rep_id"], u["reason"]) for u in board["unavailable"]] == [
            ("rep-ada", "missed 2 first-touch SLAs in a row")]
        assert {r["group"]: r["unavailable_since"] is not None for r in board["reps"]} == {
            "rep-ada": True, "rep-bo": False}
        preview = (await router.post("/v1/routing/preview", headers=world.auth,
                                     json={"email": "next@example.com", "tier": "hot"})).json()
        assert preview["rep_id"] == "rep-bo"
        assert {"rep_id": "rep-ada", "skipped": "unavailable"} in preview["decision"]["considered"]

        cleared = await router.post("/v1/reps/rep-ada/clear-unavailable", headers=world.auth)
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["unavailable_since"] is None
        again = await router.post("/v1/reps/rep-ada/clear-unavailable", headers=world.auth)
        assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
        async with world.db() as conn:
            audit = await conn.fetch("SELECT action, key_id FROM router.audit_log WHERE entity = 'rep'"
                                     " AND entity_id = 'rep-ada' AND action <> 'imported' ORDER BY id")
        assert [a["action"] for a in audit] == ["set_unavailable", "cleared_unavailable"]
        assert audit[0]["key_id"] == "sla-clock"
        preview = (await router.post("/v1/routing/preview", headers=world.auth,
                                     json={"email": "next@example.com", "tier": "hot"})).json()
        assert {"rep_id": "rep-ada", "skipped": "unavailable"} not in preview["decision"]["considered"]
        board = (await router.get("/v1/sla/board", headers=world.auth, params={
            "since": MONDAY_9.isoformat(), "until": world.clock().isoformat()})).json()
        assert board["unavailable"] == []
