"""The dashboard in real headless Chromium (Debian's package, driven by Playwright) on running services
with the demo's week seeded through the public endpoints: what a person sees is what the API says.

A world of its own (database, topics, service processes), since the demo stores reps, pools and a rule
set. The screenshot is kept at .run/artifacts/dashboard.png.
"""

import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from playwright.async_api import Page, async_playwright

from services.demo.seeder import seed_demo
from services.router.config import RouterSettings
from services.router.reporting.domain.review import week_label
from services.router.reporting.review_files import write_review
from services.router.reporting.trends_models import TrendsReport
from services.router.reporting.ui.charts import trend_charts
from services.router.reporting.ui.format import NONE, count, duration, money, pct, points, rate, times
from services.shared.config import Settings
from tests.support.isolated import isolated_stack
from tests.support.kafka import wait_for
from tests.support.pdf import pdf_text
from tests.support.stack import ROOT, TEST_ADMIN_KEY, start_service, wait_ready

CHROMIUM = os.environ.get("HANDOFF_CHROMIUM", "/usr/bin/chromium")
ARTIFACT = ROOT / ".run" / "artifacts" / "dashboard.png"
LEADS = 60
# Every cell of a table row: its data-field or data-stage name and the text shown.
ROWS_JS = """rows => rows.map(r => [r.dataset.group ?? r.dataset.week ?? r.dataset.account,
    Object.fromEntries([...r.querySelectorAll('td[data-field], td[data-stage]')]
        .map(td => [td.dataset.field ?? td.dataset.stage, td.textContent.trim()]))])"""


@dataclass
class DemoWorld:
    scorer_url: str
    router_url: str
    seeded: Counter
    settings: Settings


@pytest.fixture(scope="module")
async def demo_world(stack):
    subprocess.run([str(ROOT / "deploy" / "local" / "browser.sh"), "up"], check=True)  # Debian's chromium, once
    async with isolated_stack(stack.settings, "dashboard", ROOT / "tests" / "data" / "one-rep.yaml",
                              datetime.now(UTC)) as world:
        env = {"HANDOFF_DATABASE_URL": world.settings.database_url,
               "HANDOFF_KAFKA_BOOTSTRAP": world.settings.kafka_bootstrap,
               "HANDOFF_TOPIC_PREFIX": world.settings.topic_prefix, "HANDOFF_ADMIN_KEY": TEST_ADMIN_KEY,
               "HANDOFF_OUTBOX_IDLE_WAIT_S": "0.2", "HANDOFF_LOG_LEVEL": "WARNING",
               "HANDOFF_ACCOUNT_HEAT_EVERY_S": "1"}
        procs = [start_service(name, env, ROOT / ".run" / "test-logs") for name in ("scorer", "router")]
        try:
            for proc in procs:
                await wait_ready(proc)
            seeded = await seed_demo(procs[0].url, procs[1].url, TEST_ADMIN_KEY, leads=LEADS, seed=11,
                                     timeout_s=60, say=lambda _: None)
            await _heat_after(world.settings.database_url, datetime.now(UTC))
            yield DemoWorld(procs[0].url, procs[1].url, seeded, world.settings)
        finally:
            for proc in procs:
                proc.terminate()


async def _heat_after(database_url: str, moment: datetime) -> None:
    """Waits for the scorer's accounts-heating-up snapshot (every second here) to be newer than `moment`."""
    conn = await asyncpg.connect(database_url)
    try:
        await wait_for(lambda: conn.fetchval("SELECT until > $1 FROM scorer.account_heat", moment))
    finally:
        await conn.close()


async def _key(world: DemoWorld, role: str) -> str:
    async with httpx.AsyncClient(base_url=world.router_url) as client:
        created = await client.post("/v1/keys", json={"name": f"{role} dashboard", "role": role},
                                    headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
    assert created.status_code == 201, created.text
    return created.json()["key"]


async def _window(page: Page, panel: str) -> dict[str, str]:
    found = page.get_by_test_id(panel)
    return {"since": await found.get_attribute("data-since"), "until": await found.get_attribute("data-until")}


async def _rows(page: Page, testid: str) -> dict:
    return dict(await page.eval_on_selector_all(f"[data-testid={testid}]", ROWS_JS))


async def _text(page: Page, testid: str) -> str:
    return (await page.get_by_test_id(testid).text_content()).strip()


async def _check_funnel(page: Page, api: httpx.AsyncClient) -> dict:
    window = await _window(page, "funnel")
    body = (await api.get("/v1/funnel", params={**window, "group_by": "source"})).json()
    stages = body["totals"]["stages"]
    for i, s in enumerate(stages):
        assert await _text(page, f"funnel-count-{s['stage']}") == count(s["count"])
        if i > 0:  # the first stage converts from nothing, the last moves on to nothing
            assert await _text(page, f"funnel-conversion-{s['stage']}") == pct(s["conversion_pct"])
        if i < len(stages) - 1:
            assert await _text(page, f"funnel-median-{s['stage']}") == duration(s["median_minutes_in_stage"])
    assert await _rows(page, "funnel-group") == {
        g["group"] or "": {s["stage"]: count(s["count"]) for s in g["stages"]} for g in body["groups"]}
    return {s["stage"]: s["count"] for s in body["totals"]["stages"]}


def _board_cells(row: dict) -> dict:
    return {"assigned": count(row["assigned"]), "open": count(row["open"]), "due_soon": count(row["due_soon"]),
            "breached": count(row["breached"]), "on_time": pct(row["touched_on_time_pct"]),
            "skills_relaxed": count(row["skills_relaxed"])}


async def _check_board(page: Page, api: httpx.AsyncClient) -> None:
    body = (await api.get("/v1/sla/board", params=await _window(page, "sla-board"))).json()
    assert await _rows(page, "board-rep") == {r["group"]: _board_cells(r) for r in body["reps"]}
    assert await _rows(page, "board-team") == {r["group"] or "": _board_cells(r) for r in body["teams"]}
    assert await _rows(page, "board-total") == {"": _board_cells(body["totals"])}


async def _check_commitments(page: Page, api: httpx.AsyncClient) -> None:
    body = (await api.get("/v1/sla/commitments", params=await _window(page, "commitments"))).json()
    acceptance = body["acceptance"]
    assert [await _text(page, t) for t in ("acceptance-rate", "acceptance-accepted", "acceptance-decided",
                                           "acceptance-minimum", "sales-ready-total")] == [
        rate(acceptance["rate"]), str(acceptance["accepted"]), str(acceptance["accepted"] + acceptance["rejected"]),
        rate(acceptance["minimum"]), count(body["sales_ready_total"])]
    assert await _rows(page, "commitment-week") == {
        w["week_start"]: {"sales_ready": count(w["sales_ready"]), "commitment": count(w["commitment"])}
        for w in body["weeks"]}
    expected = Counter()
    for r in body["rejection_reasons"]:  # the page sums each campaign's reasons over the sources
        expected[(r["campaign"] or "", r["reason"] or "")] += r["count"]
    shown = await page.eval_on_selector_all("[data-testid=rejection-reason]", """items => items.map(i =>
        [i.closest('tr').dataset.campaign, i.dataset.reason, i.querySelector('b').textContent])""")
    assert {(c, r): int(n) for c, r, n in shown} == dict(expected)


def _money_cells(g: dict) -> dict:
    def amount(field: str) -> str:
        return money(None if g[field] is None else Decimal(g[field]))

    return {"rank": str(g["rank"]), "sales_ready": count(g["sales_ready"]), "opportunities": count(g["opportunities"]),
            "pipeline_amount": amount("pipeline_amount"), "won": count(g["won"]), "won_amount": amount("won_amount"),
            "win_rate_pct": pct(g["win_rate_pct"]), "cost": amount("cost"),
            "cost_per_sales_ready": amount("cost_per_sales_ready"), "cost_per_won": amount("cost_per_won"),
            "return_on_spend": times(None if g["return_on_spend"] is None else Decimal(g["return_on_spend"]))}


async def _check_money(page: Page, api: httpx.AsyncClient) -> dict:
    body = (await api.get("/v1/revenue", params={**await _window(page, "money"), "group_by": "source"})).json()
    totals = body["totals"]
    assert [await _text(page, t) for t in ("money-pipeline", "money-won", "money-cost", "money-return",
                                           "money-win-rate")] == [
        money(Decimal(totals["pipeline_amount"])), money(Decimal(totals["won_amount"])),
        money(Decimal(totals["cost"])), times(None if totals["return_on_spend"] is None
                                              else Decimal(totals["return_on_spend"])), pct(totals["win_rate_pct"])]
    assert await _rows(page, "money-group") == {g["group"] or "": _money_cells(g) for g in body["groups"][:10]}
    too_few = await page.eval_on_selector_all("[data-testid=money-group][data-too-few]",
                                              "rs => rs.map(r => r.dataset.group)")
    assert too_few == [g["group"] or "" for g in body["groups"][:10] if g["too_few_to_judge"]]
    return body


async def _check_trends(page: Page, api: httpx.AsyncClient) -> dict:
    window = await _window(page, "trends")
    body = (await api.get("/v1/trends", params={"until": window["until"], "weeks": 12})).json()
    assert datetime.fromisoformat(body["since"]) == datetime.fromisoformat(window["since"])
    for chart in trend_charts(TrendsReport(**body).weeks):
        shown = await page.eval_on_selector_all(f"[data-testid=trend-{chart.name}] [data-testid=trend-point]",
                                                "ps => ps.map(p => [p.dataset.week, p.dataset.text])")
        assert shown == [[p.week, p.text] for p in chart.points if p.y is not None]
        assert await _text(page, f"trend-{chart.name}-last") == chart.last_text
        assert await page.get_by_test_id(f"trend-{chart.name}").get_attribute("data-target") == chart.target_text
    return body


async def _check_agreement(page: Page, world: DemoWorld, key: str) -> None:
    async with httpx.AsyncClient(base_url=world.scorer_url, headers={"Authorization": f"Bearer {key}"}) as scorer:
        active = (await scorer.get("/v1/agreements/active")).json()
    assert await _text(page, "agreement-version") == f"v{active['version']}"
    for role, key_id in active["approvals"].items():
        assert await page.get_by_test_id(f"approval-{role}").get_attribute("data-key-id") == key_id


async def _check_accounts(page: Page, world: DemoWorld, key: str) -> dict:
    funnel_window, heat = await _window(page, "funnel"), await _window(page, "heating")
    async with httpx.AsyncClient(base_url=world.scorer_url, headers={"Authorization": f"Bearer {key}"}) as scorer:
        counts = (await scorer.get("/v1/funnel/accounts", params=funnel_window)).json()
        week = (await scorer.get("/v1/funnel/accounts", params={**heat, "top": 10})).json()
    assert [await _text(page, f"accounts-{t}") for t in ("engaged", "sales-ready", "routed", "won")] == [
        count(counts[t]) for t in ("engaged", "sales_ready", "routed", "won")]
    assert await _rows(page, "heating-account") == {
        h["account_key"]: {"rise": f"+{points(h['rise'])}", "engagement": points(h["engagement"]),
                           "contacts": count(h["contacts"]), "personas": ", ".join(h["personas"]) or NONE}
        for h in week["heating_up"]}
    return {"counts": counts, "ready": await _rows(page, "ready-account"), "heating": week["heating_up"]}


async def _check_refresh(page: Page) -> None:
    await page.evaluate("document.getElementById('dashboard').dataset.stale = 'yes'")
    await page.clock.fast_forward(31_000)  # the page's 30 s timer, without waiting 30 s
    await page.wait_for_function("() => !document.getElementById('dashboard').dataset.stale", timeout=10_000)


async def test_the_dashboard_shows_the_apis_numbers_for_the_seeded_week(demo_world, capsys):
    seeded = demo_world.seeded
    assert seeded["assigned"] > 0 and seeded["touched"] > 0 and seeded["late"] == seeded["pending"] == 0
    key = await _key(demo_world, "marketing")  # any role may read; marketing is one of them
    async with httpx.AsyncClient(base_url=demo_world.router_url, headers={"Authorization": f"Bearer {key}"}) as api, \
            async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 900})
            await page.clock.install()  # the refresh timer fires when the test says so
            await page.goto(f"{demo_world.router_url}/ui/")
            await page.fill("#key", key)
            await page.get_by_test_id("login-submit").click()
            await page.get_by_test_id("funnel").wait_for()
            session = {c["name"]: c for c in await page.context.cookies()}["handoff_ui_session"]
            assert session["httpOnly"] and session["sameSite"] == "Strict" and key not in session["value"]
            stages = await _check_funnel(page, api)
            assert stages["engaged"] == LEADS and stages["routed"] == seeded["assigned"]
            await _check_board(page, api)
            await _check_commitments(page, api)
            await _check_agreement(page, demo_world, key)
            revenue = await _check_money(page, api)
            assert Decimal(revenue["totals"]["won_amount"]) > 0 and Decimal(revenue["totals"]["cost"]) > 0
            assert "podcast" in {g["group"] for g in revenue["groups"]}  # spend that brought no lead still shows
            trends = await _check_trends(page, api)
            assert Decimal(trends["weeks"][-1]["pipeline_amount"]) > 0
            accounts = await _check_accounts(page, demo_world, key)
            assert accounts["counts"]["sales_ready"] >= 1 and accounts["heating"]  # the demo's buying group
            assert any(r["personas"] == "champion, decision_maker, technical_evaluator"
                       for r in accounts["ready"].values())
            assert await page.get_by_text("HANDOFF · MARKETING → SALES").is_visible()
            await _check_refresh(page)
            ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(ARTIFACT), full_page=True)
        finally:
            await browser.close()
    with capsys.disabled():
        print(f"\ndashboard screenshot: {ARTIFACT}")


async def test_the_review_of_the_seeded_week_is_a_pdf_whose_figures_are_the_apis(demo_world, capsys):
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Berlin")).date()  # the example agreement's calendar
    monday = today - timedelta(days=today.weekday())  # this week: the demo hands over, works and wins leads now
    settings = RouterSettings(**{**demo_world.settings.model_dump(), "reporting_currency": "EUR"})
    files = await write_review(settings, monday, ARTIFACT.parent, now)
    assert files.pdf == ARTIFACT.parent / f"review-{week_label(monday)}.pdf"
    text = pdf_text(files.pdf)
    async with httpx.AsyncClient(base_url=demo_world.router_url, headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"},
                                 timeout=30) as api:
        week = (await api.get("/v1/trends", params={"weeks": 1, "until": files.review.until.isoformat()})).json()
    [figures] = week["weeks"]
    assert f"Sales-ready: {count(figures['sales_ready'])} (commitment {count(figures['commitment'])})" in text
    assert f"Pipeline opened: {money(Decimal(figures['pipeline_amount']))}" in text
    assert f"Won: {money(Decimal(figures['won_amount']))} ({count(figures['won'])} deals)" in text
    assert figures["opportunities"] > 0
    with capsys.disabled():
        print(f"\nreview of the seeded week: {files.pdf} (sales-ready {figures['sales_ready']}, pipeline "
              f"{figures['pipeline_amount']} EUR, won {figures['won']} for {figures['won_amount']} EUR)")
