"""GET /v1/revenue on the running router, over leads, deals and costs stored with known times and amounts.

Each test owns a month of 2018 that no other test writes to; the cohort is the leads first seen in its
week from the 2nd, the costs those of its campaigns. USD is worth 0.9 EUR, the reporting currency.
"""

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from tests.support.assignments import add_rep, tag
from tests.support.funnel import add_lead, add_routing, add_status


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        assert (await client.put("/v1/currency-rates", json={"rates": {"USD": "0.9"}})).status_code == 200
        yield client


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2018, month, day, hour, tzinfo=UTC)


async def _revenue(router, month: int, **params) -> httpx.Response:
    return await router.get("/v1/revenue", params={"since": _at(month, 2, 0).isoformat(),
                                                   "until": _at(month, 9, 0).isoformat(), **params})


async def _week(db, router, month: int) -> dict[str, str]:
    """Two podcast leads (one won in USD, one lost after its opportunity), a web lead won without an
    amount of its own, a web lead that never became sales-ready; podcast and web spend."""
    t = tag()
    reps = {n: await add_rep(db, f"rev-{n}-{t}") for n in ("a", "b")}
    camp = {n: f"{n}-{t}" for n in ("pod", "pod2", "web")}
    keys = {n: f"{n}-{t}@revenue.example" for n in ("won", "lost", "web", "cold")}
    for name, source, campaign in (("won", "podcast", "pod"), ("lost", "podcast", "pod"), ("web", "web", "web")):
        await add_lead(db, keys[name], _at(month, 2), source=source, campaigns=(camp[campaign],),
                       qualified_at=_at(month, 2, 11))
    await add_lead(db, keys["cold"], _at(month, 3), source="web", campaigns=(camp["web"],))
    won = await add_routing(db, keys["won"], reps["a"], _at(month, 2, 12), _at(month, 2, 11))
    await add_status(db, keys["won"], won, "converted", _at(month, 3), amount="10000", currency="EUR")
    await add_status(db, keys["won"], won, "won", _at(month, 5), amount="12000", currency="USD")
    lost = await add_routing(db, keys["lost"], reps["a"], _at(month, 2, 12), _at(month, 2, 11))
    await add_status(db, keys["lost"], lost, "converted", _at(month, 3), amount="5000", currency="EUR")
    await add_status(db, keys["lost"], lost, "lost", _at(month, 6))
    web = await add_routing(db, keys["web"], reps["b"], _at(month, 2, 12), _at(month, 2, 11))
    await add_status(db, keys["web"], web, "converted", _at(month, 3), amount="2000", currency="EUR")
    await add_status(db, keys["web"], web, "won", _at(month, 4))
    costs = (f"campaign,period_start,period_end,source,amount,currency\n"
             f"{camp['pod']},2018-{month:02}-02,2018-{month:02}-08,podcast,700,EUR\n"
             f"{camp['pod2']},2018-{month:02}-06,2018-{month:02}-12,podcast,70,EUR\n"  # 3 of its 7 days inside
             f"{camp['web']},2018-{month:02}-02,2018-{month:02}-08,web,100,USD\n"
             f"{camp['web']},2018-{month:02}-09,2018-{month:02}-15,web,999,EUR\n")  # after the window
    response = await router.post("/v1/campaign-costs/import", content=costs, headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    return {**camp, **{f"rep_{n}": r for n, r in reps.items()}}


def _money(group: dict, *fields: str) -> tuple:
    return tuple(None if group[f] is None else Decimal(group[f]) if isinstance(group[f], str) else group[f]
                 for f in fields)


FIGURES = ("leads", "sales_ready", "routed", "opportunities", "pipeline_amount", "won", "won_amount",
           "win_rate_pct", "average_deal", "cost", "cost_per_sales_ready", "cost_per_won", "return_on_spend")


async def test_by_source_each_group_has_its_pipeline_wins_cost_and_return_ranked(router, db):
    await _week(db, router, 1)
    body = (await _revenue(router, 1, group_by="source")).json()
    assert body["currency"] == "EUR"
    assert [(g["rank"], g["group"]) for g in body["groups"]] == [(1, "podcast"), (2, "web")]
    podcast, web = body["groups"]
    assert _money(podcast, *FIGURES) == (2, 2, 2, 2, Decimal("15800.00"), 1, Decimal("10800.00"), 50.0,
                                         Decimal("10800.00"), Decimal("730.00"), Decimal("365.00"),
                                         Decimal("730.00"), Decimal("14.79"))
    assert _money(web, *FIGURES) == (2, 1, 1, 1, Decimal("2000.00"), 1, Decimal("2000.00"), 100.0,
                                     Decimal("2000.00"), Decimal("90.00"), Decimal("90.00"), Decimal("90.00"),
                                     Decimal("22.22"))


async def test_the_totals_hold_the_whole_cohort_and_all_the_spend_inside_the_window(router, db):
    await _week(db, router, 2)
    totals = (await _revenue(router, 2)).json()["totals"]
    assert (totals["group"], totals["rank"]) == (None, None)
    assert _money(totals, *FIGURES) == (4, 3, 3, 3, Decimal("17800.00"), 2, Decimal("12800.00"), 66.7,
                                        Decimal("6400.00"), Decimal("820.00"), Decimal("273.33"),
                                        Decimal("410.00"), Decimal("15.61"))


async def test_by_campaign_a_campaign_that_brought_no_lead_still_shows_its_spend(router, db):
    camp = await _week(db, router, 3)
    groups = {g["group"]: g for g in (await _revenue(router, 3, group_by="campaign")).json()["groups"]}
    assert _money(groups[camp["pod2"]], "leads", "cost", "return_on_spend") == (0, Decimal("30.00"), Decimal("0.00"))
    assert _money(groups[camp["web"]], "leads", "cost", "won_amount") == (2, Decimal("90.00"), Decimal("2000.00"))
    assert groups[camp["pod2"]]["rank"] == 3


async def test_by_rep_the_deals_follow_the_rep_holding_the_lead_and_costs_stay_in_the_totals(router, db):
    camp = await _week(db, router, 4)
    body = (await _revenue(router, 4, group_by="rep")).json()
    assert [(g["group"], g["won_amount"], g["cost"]) for g in body["groups"]] == [
        (camp["rep_a"], "10800.00", None), (camp["rep_b"], "2000.00", None), (None, "0.00", None)]
    assert body["totals"]["cost"] == "820.00"


async def test_a_group_with_fewer_sales_ready_leads_than_the_rule_is_too_few_to_judge(router, db):
    await _week(db, router, 5)
    body = (await _revenue(router, 5, group_by="source", min_sales_ready=2)).json()
    assert [(g["group"], g["too_few_to_judge"]) for g in body["groups"]] == [("podcast", False), ("web", True)]
    assert body["rules"]["min_sales_ready"] == 2 and "won amount" in body["rules"]["ranked_by"]


async def test_csv_gives_one_row_per_group_best_first_and_the_totals_last(router, db):
    await _week(db, router, 6)
    response = await _revenue(router, 6, group_by="source", format="csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("group_by,group,total,rank,too_few_to_judge,leads,sales_ready")
    assert lines[1] == ("source,podcast,false,1,true,2,2,2,2,15800.00,1,10800.00,50.0,10800.00,730.00,365.00,"
                        "730.00,14.79,0")
    assert lines[-1].startswith("source,,true,,true,4,3,3,3,17800.00,2,12800.00")


async def test_a_source_without_any_cost_row_has_no_cost_and_no_return_rather_than_zero(router, db):
    await add_lead(db, f"organic-{tag()}@revenue.example", _at(7, 3), source="organic")
    body = (await _revenue(router, 7, group_by="source")).json()
    [organic] = body["groups"]
    assert (organic["group"], *_money(organic, "cost", "cost_per_sales_ready", "return_on_spend")) == (
        "organic", None, None, None)
    assert body["totals"]["cost"] is None


async def test_an_empty_window_has_zero_sums_and_no_ratios(router):
    since = datetime(2017, 6, 1, tzinfo=UTC)
    body = (await router.get("/v1/revenue", params={"since": since.isoformat(),
                                                    "until": since.replace(day=2).isoformat()})).json()
    assert body["groups"] == []
    assert _money(body["totals"], "leads", "pipeline_amount", "won_amount", "win_rate_pct", "return_on_spend") == (
        0, Decimal("0.00"), Decimal("0.00"), None, None)


@pytest.mark.parametrize(("params", "field"), [
    ({"group_by": "tier"}, "group_by"), ({"format": "xml"}, "format"), ({"until": "soon"}, "until"),
    ({"min_sales_ready": "0"}, "query.min_sales_ready"),
    ({"since": "2020-01-02T00:00:00Z", "until": "2020-01-01T00:00:00Z"}, "since"),
])
async def test_a_bad_parameter_is_refused_naming_it(router, params, field):
    response = await router.get("/v1/revenue", params=params)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
