"""GET /v1/trends on the running router under the example agreement (Europe/Berlin weeks).

The tests own the weeks of 29 February and 7 March 2016; the example agreement commits 120 sales-ready
leads a week and a minimum acceptance rate of 0.6. USD is worth 0.9 EUR, the reporting currency.
"""

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from tests.support.assignments import add_assignment, add_rep, tag
from tests.support.funnel import add_status

UNTIL = "2016-03-13T23:00:00Z"  # Monday 14 March, 00:00 in Berlin


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        assert (await client.put("/v1/currency-rates", json={"rates": {"USD": "0.9"}})).status_code == 200
        yield client


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2016, month, day, hour, tzinfo=UTC)


async def _lead(db, assignment_id: str) -> str:
    return await db.fetchval("SELECT lead_key FROM router.assignments WHERE assignment_id = $1", assignment_id)


@pytest.fixture(scope="module")
def weeks_stored() -> dict:
    return {}


async def _two_weeks(db, stored: dict) -> None:
    if stored:
        return
    rep = await add_rep(db, f"tr-{tag()}")
    early = await add_assignment(db, rep, _at(3, 1), touched_after=10, on_time=True, outcome="accepted",
                                 outcome_at=_at(3, 1, 12))
    await add_assignment(db, rep, _at(3, 2), touched_after=90, on_time=False, outcome="rejected",
                         outcome_reason="no budget", outcome_at=_at(3, 2, 14))
    await add_assignment(db, rep, _at(3, 3))
    await add_status(db, await _lead(db, early), early, "converted", _at(3, 4), amount="400", currency="EUR")
    await add_status(db, await _lead(db, early), early, "won", _at(3, 10))  # its deal's amount
    late = await add_assignment(db, rep, _at(3, 8), touched_after=5, on_time=True)
    await add_status(db, await _lead(db, late), late, "converted", _at(3, 8, 12), amount="1000", currency="EUR")
    await add_status(db, await _lead(db, late), late, "won", _at(3, 9), amount="1500", currency="USD")
    stored["done"] = True


async def _weeks(router, **params) -> list[dict]:
    response = await router.get("/v1/trends", params={"weeks": 2, "until": UNTIL, **params})
    assert response.status_code == 200, response.text
    return response.json()["weeks"]


async def test_each_week_sets_sales_ready_against_the_commitment(router, db, weeks_stored):
    await _two_weeks(db, weeks_stored)
    weeks = await _weeks(router)
    assert [(w["week_start"], w["sales_ready"], w["commitment"], w["commitment_met"], w["complete"])
            for w in weeks] == [("2016-02-29", 3, 120, False, True), ("2016-03-07", 1, 120, False, True)]


async def test_each_week_sets_its_first_decisions_acceptance_against_the_minimum(router, db, weeks_stored):
    await _two_weeks(db, weeks_stored)
    first, second = await _weeks(router)
    assert (first["accepted"], first["rejected"], first["acceptance_rate"], first["min_acceptance_rate"],
            first["acceptance_met"]) == (1, 1, 0.5, 0.6, False)
    assert (second["acceptance_rate"], second["acceptance_met"]) == (None, None)


async def test_each_week_has_the_on_time_share_of_the_first_touches_it_routed(router, db, weeks_stored):
    await _two_weeks(db, weeks_stored)
    first, second = await _weeks(router)
    assert [(w["touched"], w["touched_on_time"], w["on_time_share"]) for w in (first, second)] == [
        (2, 1, 0.5), (1, 1, 1.0)]


async def test_pipeline_counts_in_the_week_an_opportunity_opened_and_wins_in_the_week_they_were_won(
        router, db, weeks_stored):
    await _two_weeks(db, weeks_stored)
    first, second = await _weeks(router)
    money = [(w["opportunities"], Decimal(w["pipeline_amount"]), w["won"], Decimal(w["won_amount"]))
             for w in (first, second)]
    assert money == [(1, Decimal("400"), 0, Decimal("0")), (1, Decimal("1350"), 2, Decimal("1750"))]


async def test_the_default_is_twelve_weeks_ending_with_the_week_in_progress(router):
    response = await router.get("/v1/trends", params={"until": "2016-03-10T12:00:00Z"})
    weeks = response.json()["weeks"]
    assert len(weeks) == 12 and weeks[-1]["week_start"] == "2016-03-07" and weeks[-1]["complete"] is False
    assert response.json()["time_zone"] == "Europe/Berlin" and response.json()["currency"] == "EUR"


@pytest.mark.parametrize(("params", "field"), [({"weeks": "0"}, "query.weeks"), ({"weeks": "105"}, "query.weeks"),
                                               ({"until": "later"}, "until")])
async def test_a_bad_parameter_is_refused_naming_it(router, params, field):
    response = await router.get("/v1/trends", params=params)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
