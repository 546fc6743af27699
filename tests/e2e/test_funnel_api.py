"""GET /v1/funnel on the running router, over leads and outcomes stored with known times.

Each test owns a week in 2020 that no other test writes to; the cohort is the leads first seen in it.
"""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support.assignments import add_rep, tag
from tests.support.funnel import add_lead, add_routing, add_status


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        yield client


def _at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2020, month, day, hour, minute, tzinfo=UTC)


async def _funnel(router, since: datetime, until: datetime, **params) -> httpx.Response:
    return await router.get("/v1/funnel", params={"since": since.isoformat(), "until": until.isoformat(), **params})


def _column(group: dict, field: str) -> list:
    return [s[field] for s in group["stages"]]


async def _week_of_leads(db, month: int) -> dict[str, str]:
    """Four leads first seen in the week of <month>-02; one before and one after it."""
    t, rep = tag(), await add_rep(db, f"fun-{tag()}")
    k = {n: f"{n}-{t}@funnel.example" for n in ("won", "rejected", "cold", "parked", "before", "after")}
    await add_lead(db, k["won"], _at(month, 2), campaigns=("spring", "summer"), employees=200,
                   qualified_at=_at(month, 2, 12))
    won = await add_routing(db, k["won"], rep, _at(month, 2, 12, 30), _at(month, 2, 12),
                            touched_at=_at(month, 2, 12, 40))
    for status, at in (("accepted", _at(month, 2, 13, 40)), ("converted", _at(month, 3, 13, 40)),
                       ("won", _at(month, 4, 13, 40))):
        await add_status(db, k["won"], won, status, at)
    # Rejected and recycled: the scorer has forgotten the qualification, the router still holds it.
    await add_lead(db, k["rejected"], _at(month, 3), campaigns=(None, "spring"), employees="20")
    rejected = await add_routing(db, k["rejected"], rep, _at(month, 3, 14, 10), _at(month, 3, 14),
                                 touched_at=_at(month, 3, 14, 30))
    await add_status(db, k["rejected"], rejected, "rejected", _at(month, 3, 15))
    await add_lead(db, k["cold"], _at(month, 4), source="ads", employees="1200")
    await add_lead(db, k["parked"], _at(month, 5), source="ads", campaigns=("fall",), employees="lots",
                   qualified_at=_at(month, 5, 11))  # sales-ready, nobody could take it yet
    await add_lead(db, k["before"], _at(month, 1, 23, 59), qualified_at=_at(month, 3))
    await add_routing(db, k["before"], rep, _at(month, 3), _at(month, 3))
    await add_lead(db, k["after"], _at(month, 9, 0))
    return k


async def test_the_totals_follow_the_cohort_through_each_stage_with_conversions_and_medians(router, db):
    await _week_of_leads(db, 3)
    response = await _funnel(router, _at(3, 2, 0), _at(3, 9, 0))
    assert response.status_code == 200, response.text
    totals = response.json()["totals"]
    assert totals["group"] is None
    assert _column(totals, "count") == [4, 3, 2, 2, 1, 1, 1]
    assert _column(totals, "conversion_pct") == [None, 75.0, 66.7, 100.0, 50.0, 100.0, 100.0]
    assert _column(totals, "median_minutes_in_stage") == [120.0, 20.0, 15.0, 60.0, 1440.0, 1440.0, None]
    assert _column(totals, "half") == ["marketing", "marketing", "handoff", "sales", "sales", "sales", "sales"]


async def test_grouping_by_source_splits_the_cohort_and_keeps_the_totals(router, db):
    await _week_of_leads(db, 4)
    body = (await _funnel(router, _at(4, 2, 0), _at(4, 9, 0), group_by="source")).json()
    assert [(g["group"], _column(g, "count")) for g in body["groups"]] == [
        ("ads", [2, 1, 0, 0, 0, 0, 0]), ("web", [2, 2, 2, 2, 1, 1, 1])]
    assert body["groups"][0]["stages"][2]["conversion_pct"] == 0.0
    assert _column(body["totals"], "count") == [4, 3, 2, 2, 1, 1, 1]


async def test_a_lead_belongs_to_the_campaign_of_its_first_engagement_that_named_one(router, db):
    await _week_of_leads(db, 5)
    body = (await _funnel(router, _at(5, 2, 0), _at(5, 9, 0), group_by="campaign")).json()
    assert [(g["group"], g["stages"][0]["count"]) for g in body["groups"]] == [("fall", 1), ("spring", 2), (None, 1)]


async def test_segments_are_company_size_bands_and_unreadable_sizes_are_unknown(router, db):
    await _week_of_leads(db, 6)
    body = (await _funnel(router, _at(6, 2, 0), _at(6, 9, 0), group_by="segment")).json()
    assert [(g["group"], g["stages"][0]["count"]) for g in body["groups"]] == [
        ("enterprise", 1), ("mid_market", 1), ("small", 1), ("unknown", 1)]


async def test_csv_gives_one_row_per_group_and_stage_with_the_totals_last(router, db):
    await _week_of_leads(db, 7)
    response = await _funnel(router, _at(7, 2, 0), _at(7, 9, 0), group_by="source", format="csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "group_by,group,total,stage,half,count,conversion_pct,median_minutes_in_stage"
    assert len(lines) == 1 + 3 * 7
    assert "source,web,false,touched,sales,2,100.0,60.0" in lines
    assert lines[-1] == "source,,true,won,sales,1,100.0,"


async def test_an_empty_window_has_zero_counts_and_no_rates(router):
    since = datetime(2019, 6, 1, tzinfo=UTC)
    body = (await _funnel(router, since, since + timedelta(seconds=1))).json()
    assert body["groups"] == [] and _column(body["totals"], "count") == [0] * 7
    assert set(_column(body["totals"], "conversion_pct")) == {None}


@pytest.mark.parametrize(("params", "field"), [
    ({"group_by": "tier"}, "group_by"), ({"format": "xml"}, "format"), ({"until": "yesterday"}, "until"),
    ({"since": "2020-01-02T00:00:00Z", "until": "2020-01-01T00:00:00Z"}, "since"),
])
async def test_a_bad_parameter_is_refused_naming_it(router, params, field):
    response = await router.get("/v1/funnel", params=params)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
