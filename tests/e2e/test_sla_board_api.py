"""GET /v1/sla/board on the running router: open, due soon, breached and on time per rep and team.

Each test owns a window in 2020 (or earlier) that no other test writes to.
"""

from datetime import UTC, datetime

import httpx
import pytest

from tests.support.assignments import add_assignment, add_rep, tag


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        yield client


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2020, 11, day, hour, minute, tzinfo=UTC)


async def _board(router, since: datetime, until: datetime) -> dict:
    response = await router.get("/v1/sla/board", params={"since": since.isoformat(), "until": until.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


def _figures(row: dict) -> tuple:
    return row["assigned"], row["open"], row["due_soon"], row["breached"], row["touched_on_time_pct"]


async def test_each_rep_and_team_shows_open_due_soon_breached_and_on_time(router, db):
    t = tag()
    ada = await add_rep(db, f"board-{t}-a", team=f"team-{t}")
    bob = await add_rep(db, f"board-{t}-b", team=f"team-{t}")
    await db.execute("UPDATE router.reps SET name = 'Ada Board' WHERE rep_id = $1", ada)
    await add_assignment(db, ada, _at(2, 10))  # open, due 10:30: due soon at 10:05
    await add_assignment(db, ada, _at(2, 9), touched_after=10, on_time=True)
    await add_assignment(db, ada, _at(2, 8), breached_at=_at(2, 8, 30))  # open and breached: not "due soon"
    await add_assignment(db, bob, _at(1, 10))  # overdue, its breach not fired yet: still due soon
    later = await add_assignment(db, bob, _at(2, 10, 4))
    await db.execute("UPDATE router.assignments SET first_touch_due_at = $2 WHERE assignment_id = $1",
                     later, _at(2, 15))  # due in five hours
    await add_assignment(db, bob, _at(2, 7), touched_after=50, on_time=False, status="closed")

    body = await _board(router, _at(1, 0), _at(2, 10, 5))

    assert body["due_soon_minutes"] == 60
    assert [(r["group"], r["name"], r["team"], _figures(r)) for r in body["reps"]] == [
        (ada, "Ada Board", f"team-{t}", (3, 2, 1, 1, 100.0)), (bob, bob, f"team-{t}", (3, 2, 1, 0, 0.0))]
    assert [(r["group"], r["name"], _figures(r)) for r in body["teams"]] == [(f"team-{t}", None, (6, 4, 2, 1, 50.0))]
    assert _figures(body["totals"]) == (6, 4, 2, 1, 50.0)


async def test_due_soon_is_counted_from_the_end_of_the_window(router, db):
    rep = await add_rep(db, f"board-{tag()}")
    assignment = await add_assignment(db, rep, _at(9, 10))
    await db.execute("UPDATE router.assignments SET first_touch_due_at = $2 WHERE assignment_id = $1",
                     assignment, _at(9, 12))
    assert (await _board(router, _at(9, 0), _at(9, 10, 30)))["totals"]["due_soon"] == 0
    assert (await _board(router, _at(9, 0), _at(9, 11, 5)))["totals"]["due_soon"] == 1


async def test_a_window_ending_before_it_starts_is_refused_naming_since(router):
    response = await router.get("/v1/sla/board", params={"since": "2020-11-20T00:00:00Z",
                                                         "until": "2020-11-19T00:00:00Z"})
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "since"
