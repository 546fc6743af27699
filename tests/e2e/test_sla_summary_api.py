"""GET /v1/sla/summary on the running router, over assignments stored with known follow-up values.

Each test owns a window in 2021 (or earlier) that no other test writes to.
"""

from datetime import UTC, datetime

import httpx
import pytest

from tests.support.agreements import role_key
from tests.support.assignments import add_assignment, add_rep, tag


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        yield client


def _at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2021, month, day, hour, minute, tzinfo=UTC)


def _fields(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


async def _summary(router, group_by: str, since: datetime, until: datetime) -> dict:
    response = await router.get("/v1/sla/summary", params={
        "group_by": group_by, "since": since.isoformat(), "until": until.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()


async def test_each_tier_gets_its_counts_percentile_minutes_and_the_totals(router, db):
    rep = await add_rep(db, f"sum-{tag()}")
    await add_assignment(db, rep, _at(1, 4), touched_after=10, on_time=True)
    await add_assignment(db, rep, _at(1, 5), touched_after=50, on_time=False, breached_at=_at(1, 5, 10, 30),
                         status="closed")
    await add_assignment(db, rep, _at(1, 6))  # open, untouched
    await add_assignment(db, rep, _at(1, 6, 11), status="reassigned", breached_at=_at(1, 6, 12))
    await add_assignment(db, rep, _at(1, 7), status="unworked", breached_at=_at(1, 7, 12))
    await add_assignment(db, rep, _at(1, 8), tier="warm", touched_after=100, on_time=True)

    body = await _summary(router, "tier", _at(1, 4, 0), _at(1, 11, 0))

    hot, warm = body["rows"]
    assert hot == {"group": "hot", "assigned": 5, "touched": 2, "touched_on_time": 1, "touched_on_time_pct": 50.0,
                   "median_minutes_to_first_touch": 30.0, "p90_minutes_to_first_touch": 46.0, "open": 1,
                   "breached": 3, "reassigned": 1, "unworked": 1}
    assert (warm["group"], warm["assigned"], warm["touched_on_time_pct"], warm["open"]) == ("warm", 1, 100.0, 0)
    assert body["totals"] == {"group": None, "assigned": 6, "touched": 3, "touched_on_time": 2,
                              "touched_on_time_pct": 66.7, "median_minutes_to_first_touch": 50.0,
                              "p90_minutes_to_first_touch": 90.0, "open": 1, "breached": 3, "reassigned": 1,
                              "unworked": 1}


async def test_the_window_includes_since_and_excludes_until(router, db):
    rep = await add_rep(db, f"sum-{tag()}")
    for at in (_at(2, 1, 0), _at(2, 1, 12), _at(2, 2, 0)):
        await add_assignment(db, rep, at)
    body = await _summary(router, "rep", _at(2, 1, 0), _at(2, 2, 0))
    assert [(r["group"], r["assigned"]) for r in body["rows"]] == [(rep, 2)]


async def test_grouping_by_team_uses_the_reps_team_and_null_for_reps_without_one(router, db):
    t = tag()
    first, second = await add_rep(db, f"sum-{t}-a", team=f"team-{t}"), await add_rep(db, f"sum-{t}-b", team=f"team-{t}")
    loner = await add_rep(db, f"sum-{t}-c")
    for rep in (first, second, loner):
        await add_assignment(db, rep, _at(2, 8))
    body = await _summary(router, "team", _at(2, 8, 0), _at(2, 9, 0))
    assert [(r["group"], r["assigned"]) for r in body["rows"]] == [(f"team-{t}", 2), (None, 1)]


async def test_grouping_by_rep_gives_one_row_per_rep(router, db):
    t = tag()
    first, second = await add_rep(db, f"sum-{t}-a"), await add_rep(db, f"sum-{t}-b")
    await add_assignment(db, first, _at(2, 15), touched_after=5, on_time=True)
    await add_assignment(db, second, _at(2, 15))
    body = await _summary(router, "rep", _at(2, 15, 0), _at(2, 16, 0))
    assert [(r["group"], r["touched"], r["open"]) for r in body["rows"]] == [(first, 1, 0), (second, 0, 1)]


async def test_an_empty_window_has_no_rows_and_totals_of_zero_with_null_rates(router):
    body = await _summary(router, "tier", datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 2, tzinfo=UTC))
    assert body["rows"] == []
    assert body["totals"]["assigned"] == 0
    assert (body["totals"]["touched_on_time_pct"], body["totals"]["median_minutes_to_first_touch"]) == (None, None)


async def test_without_since_the_window_is_the_seven_days_before_until(router):
    body = (await router.get("/v1/sla/summary", params={"until": "2021-03-08T00:00:00Z"})).json()
    assert (body["since"], body["group_by"]) == ("2021-03-01T00:00:00Z", "tier")


async def test_an_unknown_group_by_is_422_naming_it_and_the_allowed_values(router):
    response = await router.get("/v1/sla/summary", params={"group_by": "manager"})
    assert response.status_code == 422 and _fields(response) == ["group_by"]
    assert "['rep', 'team', 'tier']" in response.json()["error"]["fields"][0]["message"]


@pytest.mark.parametrize("since", ["2021-03-01T00:00:00", "yesterday", "2021-02-30T00:00:00Z"])
async def test_a_since_that_is_naive_or_not_a_timestamp_is_422_naming_since(router, since):
    response = await router.get("/v1/sla/summary", params={"since": since})
    assert response.status_code == 422 and _fields(response) == ["since"]


async def test_a_since_after_until_is_422(router):
    response = await router.get("/v1/sla/summary", params={"since": "2021-03-02T00:00:00Z",
                                                           "until": "2021-03-01T00:00:00Z"})
    assert response.status_code == 422 and _fields(response) == ["since"]


@pytest.mark.parametrize("role", ["marketing", "sales", "ops"])
async def test_every_team_may_read_the_summary(services, role):
    headers = await role_key(services, role)
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        assert (await client.get("/v1/sla/summary", headers=headers)).status_code == 200


@pytest.mark.parametrize("path", ["/v1/sla/summary", "/v1/sla/breaches", "/v1/sla/commitments"])
async def test_the_reports_need_a_key(services, path):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.get(path)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
