"""GET /v1/sla/breaches on the running router; each test reads only its own team's rows."""

from datetime import UTC, datetime

import httpx
import pytest

from tests.support.assignments import add_assignment, add_rep, tag


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        yield client


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2021, 5, day, hour, tzinfo=UTC)


async def _team_with_breaches(db) -> tuple[str, str, dict[str, str]]:
    """A rep with one breach in each state; returns (team, rep, assignment id by state)."""
    t = tag()
    team, rep = f"team-{t}", await add_rep(db, f"br-{t}", team=f"team-{t}", manager_id=f"boss-{t}")
    ids = {
        "open": await add_assignment(db, rep, _at(3), breached_at=_at(3, 11), escalated_to=f"boss-{t}"),
        "unworked": await add_assignment(db, rep, _at(4), status="unworked", breached_at=_at(4, 11)),
        "touched_late": await add_assignment(db, rep, _at(5), touched_after=90, on_time=False,
                                             breached_at=_at(5, 11)),
        "reassigned": await add_assignment(db, rep, _at(6), status="reassigned", breached_at=_at(6, 11)),
    }
    await add_assignment(db, rep, _at(7))  # never breached
    return team, rep, ids


async def test_open_breaches_are_the_untouched_open_or_unworked_ones_newest_first(router, db):
    team, _, ids = await _team_with_breaches(db)
    response = await router.get("/v1/sla/breaches", params={"team": team})
    assert response.status_code == 200, response.text
    assert [b["assignment_id"] for b in response.json()] == [ids["unworked"], ids["open"]]


async def test_all_breaches_include_touched_and_reassigned_ones(router, db):
    team, _, ids = await _team_with_breaches(db)
    response = await router.get("/v1/sla/breaches", params={"team": team, "status": "all"})
    assert [b["assignment_id"] for b in response.json()] == [
        ids["reassigned"], ids["touched_late"], ids["unworked"], ids["open"]]


async def test_a_breach_row_names_the_rep_team_manager_and_due_times(router, db):
    team, rep, ids = await _team_with_breaches(db)
    rows = (await router.get("/v1/sla/breaches", params={"team": team})).json()
    open_one = next(b for b in rows if b["assignment_id"] == ids["open"])
    assert open_one == {
        "assignment_id": ids["open"], "lead_key": open_one["lead_key"], "rep_id": rep, "team": team,
        "manager_id": f"boss-{rep.removeprefix('br-')}", "tier": "hot", "attempt": 1,
        "routed_at": "2021-05-03T10:00:00Z", "first_touch_due_at": "2021-05-03T10:30:00Z",
        "breached_at": "2021-05-03T11:00:00Z", "status": "open", "touched": False}


async def test_limit_caps_the_rows_keeping_the_newest(router, db):
    team, _, ids = await _team_with_breaches(db)
    rows = (await router.get("/v1/sla/breaches", params={"team": team, "status": "all", "limit": 2})).json()
    assert [b["assignment_id"] for b in rows] == [ids["reassigned"], ids["touched_late"]]


async def test_the_rep_filter_keeps_only_that_reps_breaches(router, db):
    _, rep, _ = await _team_with_breaches(db)
    await _team_with_breaches(db)
    rows = (await router.get("/v1/sla/breaches", params={"rep_id": rep, "status": "all"})).json()
    assert {b["rep_id"] for b in rows} == {rep} and len(rows) == 4


async def test_an_unknown_status_is_422_naming_it(router):
    response = await router.get("/v1/sla/breaches", params={"status": "closed"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["status"]


@pytest.mark.parametrize("limit", [0, 1001])
async def test_a_limit_outside_1_to_1000_is_422(router, limit):
    response = await router.get("/v1/sla/breaches", params={"limit": limit})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["query.limit"]
