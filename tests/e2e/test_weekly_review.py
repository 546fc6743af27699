"""`handoff review --week` against the running services' database: one page, HTML and PDF (headless
Chromium), whose figures, read back from the PDF with pdftotext, are the API's.

The test owns ISO week 2015-W10 (Monday 2 March 2015, Europe/Berlin as the example agreement's calendar).
"""

import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from services.router.reporting.ui.format import count, money, pct, rate, stage_label, times
from tests.e2e.test_operator_cli import _handoff
from tests.support.assignments import add_assignment, add_rep, tag
from tests.support.funnel import add_lead, add_routing, add_status
from tests.support.pdf import pdf_text
from tests.support.stack import ROOT

WEEK, SINCE, UNTIL = "2015-W10", "2015-03-01T23:00:00Z", "2015-03-08T23:00:00Z"


@pytest.fixture(scope="module")
def pdf_tools():
    subprocess.run([str(ROOT / "deploy" / "local" / "browser.sh"), "up"], check=True)  # chromium and pdftotext


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        assert (await client.put("/v1/currency-rates", json={"rates": {"USD": "0.9"}})).status_code == 200
        yield client


async def _week(db, router) -> None:
    t = tag()
    rep = await add_rep(db, f"rv-{t}")
    won, lost = f"won-{t}@review.example", f"lost-{t}@review.example"

    def at(day: int, hour: int = 10) -> datetime:
        return datetime(2015, 3, day, hour, tzinfo=UTC)

    await add_lead(db, won, at(2), source="podcast", campaigns=(f"pod-{t}",), qualified_at=at(2, 11))
    await add_lead(db, lost, at(3), source="web", qualified_at=at(3, 11))
    first = await add_routing(db, won, rep, at(2, 12), at(2, 11), touched_at=at(2, 13))
    await add_status(db, won, first, "converted", at(3), amount="20000", currency="EUR")
    await add_status(db, won, first, "won", at(5), amount="25000", currency="USD")
    other = await add_routing(db, lost, rep, at(3, 12), at(3, 11), touched_at=at(3, 13))
    await add_status(db, lost, other, "rejected", at(4))
    await add_assignment(db, rep, at(4), touched_after=10, on_time=True, outcome="accepted", outcome_at=at(4, 12))
    await add_assignment(db, rep, at(4), touched_after=90, on_time=False, outcome="rejected",
                         outcome_reason="no budget", outcome_at=at(4, 14), campaign=f"pod-{t}")
    costs = f"campaign,period_start,period_end,source,amount,currency\npod-{t},2015-03-02,2015-03-08,podcast,700,EUR\n"
    assert (await router.post("/v1/campaign-costs/import", content=costs,
                              headers={"content-type": "text/csv"})).status_code == 200


async def test_the_review_pdf_carries_the_weeks_figures_as_the_api_gives_them(stack, services, db, router, tmp_path,
                                                                                pdf_tools):
    await _week(db, router)
    code, output = await _handoff(stack, services, "review", "--week", WEEK, "--out", str(tmp_path))
    assert code == 0, output
    pdf = tmp_path / f"review-{WEEK}.pdf"
    assert f"pdf:  {pdf}" in output and pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    window = {"since": SINCE, "until": UNTIL}
    week = (await router.get("/v1/trends", params={"weeks": 1, "until": UNTIL})).json()["weeks"][0]
    sla = (await router.get("/v1/sla/summary", params={**window, "group_by": "tier"})).json()["totals"]
    money_by_source = (await router.get("/v1/revenue", params={**window, "group_by": "source"})).json()
    stages = (await router.get("/v1/funnel", params=window)).json()["totals"]["stages"]

    assert f"Weekly review {WEEK}" in text
    assert f"Sales-ready: {count(week['sales_ready'])} (commitment {count(week['commitment'])})" in text
    assert f"Acceptance: {rate(week['acceptance_rate'])} (minimum {rate(week['min_acceptance_rate'])};" in text
    assert f"{week['accepted']} accepted, {week['rejected']} rejected" in text
    assert f"On time: {pct(sla['touched_on_time_pct'])} of {count(sla['touched'])} first touches" in text
    assert f"Pipeline opened: {money(Decimal(week['pipeline_amount']))} ({count(week['opportunities'])}" in text
    assert f"Won: {money(Decimal(week['won_amount']))} ({count(week['won'])} deals)" in text
    for s in stages:
        assert f"{stage_label(s['stage'])} {count(s['count'])} {pct(s['conversion_pct'])}" in text
    totals = money_by_source["totals"]
    assert (f"all {count(totals['sales_ready'])} {money(Decimal(totals['pipeline_amount']))} {count(totals['won'])}"
            f" {money(Decimal(totals['won_amount']))} {money(Decimal(totals['cost']))}") in text
    for g in money_by_source["groups"]:
        assert f"{g['rank']}. {g['group']}" in text
    podcast = next(g for g in money_by_source["groups"] if g["group"] == "podcast")
    assert times(Decimal(podcast["return_on_spend"])) in text and Decimal(podcast["won_amount"]) == Decimal("22500")


async def test_the_review_html_names_the_agreement_in_force(stack, services, tmp_path):
    code, output = await _handoff(stack, services, "review", "--week", "2015-W11", "--out", str(tmp_path), "--no-pdf")
    assert code == 0, output
    html = (tmp_path / "review-2015-W11.html").read_text()
    assert "Agreement in force: v" in html and "<script" not in html
    assert not (tmp_path / "review-2015-W11.pdf").exists()


async def test_a_week_that_is_not_an_iso_week_is_refused_naming_the_option(stack, services, tmp_path):
    code, output = await _handoff(stack, services, "review", "--week", "2015-W54", "--out", str(tmp_path))
    assert code == 2 and "--week" in output and "does not exist" in output
