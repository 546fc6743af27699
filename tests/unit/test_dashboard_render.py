"""The dashboard's HTML from known figures: every number has its place, and nothing from outside runs."""

import re
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from services.router.reporting.account_figures import AccountsPanel, ReadyAccount
from services.router.reporting.agreement_view import ActiveAgreement, Approval
from services.router.reporting.domain.funnel import STAGE_NAMES, stage_figures
from services.router.reporting.domain.revenue import RevenueTally, figures
from services.router.reporting.domain.trends import WeekTally, trend_weeks, trend_window
from services.router.reporting.funnel_models import FunnelGroup, FunnelReport, FunnelStage
from services.router.reporting.revenue_models import RevenueGroup, RevenueReport, RevenueRules
from services.router.reporting.sla_models import (
    Acceptance,
    BoardRow,
    CommitmentsReport,
    RejectionCount,
    SlaBoard,
    UnavailableRep,
    WeekVolume,
)
from services.router.reporting.trends_models import TrendsReport, TrendWeekOut
from services.router.reporting.ui.charts import trend_charts
from services.router.reporting.ui.format import funnel_chart, rejections_by_campaign
from services.router.reporting.ui.render import page
from services.router.reporting.ui.view import Dashboard, chosen

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'


def _group(name, counts) -> FunnelGroup:
    return FunnelGroup(group=name, stages=[FunnelStage(**vars(f)) for f in stage_figures(counts, {"engaged": 60.0})])


def _dashboard() -> Dashboard:
    counts = {"engaged": 9, "sales_ready": 4, "routed": 4, "touched": 3, "accepted": 2, "converted": 1, "won": 1}
    funnel = FunnelReport(group_by="campaign", since=NOW, until=NOW, groups=[_group(EVIL, counts)],
                          totals=_group(None, counts))
    row = BoardRow(group="rep-1", name=EVIL, team="emea", assigned=3, open=1, due_soon=1, breached=1, touched=2,
                   touched_on_time_pct=50.0)
    board = SlaBoard(since=NOW, until=NOW, due_soon_minutes=60, reps=[row],
                     teams=[row.model_copy(update={"name": None})], totals=row)
    rejections = [RejectionCount(reason="no budget", source="web", campaign=EVIL, count=2, listed=True)]
    promised = CommitmentsReport(
        since=NOW, until=NOW, time_zone="Europe/Berlin", agreement_version=3, sales_ready_total=4,
        weeks=[WeekVolume(week_start=date(2026, 3, 2), starts_at=NOW, sales_ready=4, commitment=120, met=False,
                          complete=False)],
        acceptance=Acceptance(accepted=2, rejected=2, rate=0.5, minimum=0.6, met=False), rejection_reasons=rejections)
    agreement = ActiveAgreement(3, EVIL, NOW, "bootstrap", [Approval("marketing", "key_m", "Mia", NOW)])
    money = RevenueGroup(**{**asdict(figures(RevenueTally(EVIL, 9, 4, 4, 1, Decimal("1200.5"), 1, Decimal("1000"), 1,
                                                          Decimal("250")))), "rank": 1})
    revenue = RevenueReport(group_by="source", since=NOW, until=NOW, currency="EUR", groups=[money],
                            totals=money.model_copy(update={"group": None, "rank": None}),
                            rules=RevenueRules(ranked_by="won", min_sales_ready=10, costs="by days"))
    since, until = trend_window(NOW, 3, "Europe/Berlin")
    weeks = [TrendWeekOut(**asdict(w)) for w in trend_weeks({date(2026, 3, 2): WeekTally(sales_ready=4)}, since,
                                                            until, "Europe/Berlin", 120, 0.6)]
    trends = TrendsReport(since=since, until=until, time_zone="Europe/Berlin", currency="EUR", agreement_version=3,
                          weeks=weeks)
    return Dashboard(now=NOW, days=7, group_by="campaign", funnel=funnel, chart=funnel_chart(funnel.totals.stages),
                     board=board, commitments=promised, rejections=rejections_by_campaign(rejections),
                     agreement=agreement, revenue=revenue, top=revenue.groups, trends=trends,
                     charts=trend_charts(weeks))


def test_every_stage_of_the_funnel_shows_its_count_conversion_and_median():
    html = page("dashboard.html", d=_dashboard()).body.decode()
    for stage in STAGE_NAMES:
        for kind in ("count", "conversion", "median"):
            shown = f'data-testid="funnel-{kind}-{stage}"' in html
            # The first stage converts from nothing, the last moves on to nothing.
            assert shown == ((kind, stage) not in (("conversion", "engaged"), ("median", "won")))
    assert "HANDOFF" in html


def test_names_from_integrators_are_escaped_everywhere():
    html = page("dashboard.html", d=_dashboard()).body.decode()
    assert EVIL not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 6  # campaign twice, rep, agreement, source


def test_only_the_pages_own_nonced_script_and_style_may_run():
    response = page("dashboard.html", d=_dashboard())
    html, policy = response.body.decode(), response.headers["content-security-policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy).group(1)
    assert re.findall(r"<script nonce=\"([^\"]+)\">", html) == [nonce]
    assert "unsafe-inline" not in policy and " style=" not in html
    assert response.headers["cache-control"] == "no-store"


def test_unknown_window_and_grouping_choices_fall_back_to_the_defaults():
    assert (chosen("30", "segment"), chosen("8", "tier"), chosen("x", None), chosen(None, "campaign")) == (
        (30, "segment"), (7, "source"), (7, "source"), (7, "campaign"))


def test_the_money_panel_shows_the_totals_and_each_ranked_source_to_cents():
    html = page("dashboard.html", d=_dashboard()).body.decode()
    for testid, text in (("money-pipeline", "1,200.50"), ("money-won", "1,000.00"), ("money-cost", "250.00"),
                         ("money-return", "4.00×")):
        assert re.search(f'data-testid="{testid}">{re.escape(text)}<', html)
    assert 'data-field="cost_per_won">250.00<' in html and 'data-too-few="yes"' in html


def test_each_trend_is_an_inline_svg_with_a_point_per_week_and_the_agreements_line():
    html = page("dashboard.html", d=_dashboard()).body.decode()
    sales_ready = html.split('data-testid="trend-sales_ready"')[1].split("</figure>")[0]
    assert sales_ready.count('data-testid="trend-point"') == 3 and 'class="goal"' in sales_ready
    assert re.findall(r'data-week="([^"]+)" data-text="([^"]+)"', sales_ready) == [
        ("2026-02-16", "0"), ("2026-02-23", "0"), ("2026-03-02", "4")]
    assert "<script src" not in html and "http" not in html.split("<body>")[1].split("<script")[0]


def test_the_board_shows_skills_relaxed_and_reps_set_unavailable():
    d = _dashboard()
    row = d.board.reps[0].model_copy(update={"skills_relaxed": 2, "unavailable_since": NOW})
    board = d.board.model_copy(update={"reps": [row], "unavailable": [UnavailableRep(
        rep_id="rep-1", name="Ada", team="emea", since=NOW, reason="missed 3 first-touch SLAs in a row")]})
    html = page("dashboard.html", d=replace(d, board=board)).body.decode()
    assert 'data-field="skills_relaxed" class="warn">2<' in html
    assert 'data-testid="rep-unavailable">unavailable<' in html
    assert 'data-testid="unavailable-rep" data-group="rep-1"' in html and "missed 3 first-touch SLAs in a row" in html


def test_without_reps_set_unavailable_the_board_lists_none():
    assert 'data-testid="board-unavailable"' not in page("dashboard.html", d=_dashboard()).body.decode()


def test_the_account_view_shows_its_counts_and_each_sales_ready_account_with_its_personas():
    ready = ReadyAccount(EVIL, NOW, ("champion", "decision_maker"), 3, "rep-1")
    html = page("dashboard.html", d=replace(_dashboard(), accounts=AccountsPanel(12, 1, 4, 2, (ready,)))).body.decode()
    for testid, shown in (("accounts-engaged", "12"), ("accounts-sales-ready", "1"), ("accounts-routed", "4"),
                          ("accounts-won", "2")):
        assert re.search(rf'data-testid="{testid}">{shown}<', html)
    assert "champion, decision_maker" in html and EVIL not in html
