"""The dashboard's HTML from known figures: every number has its place, and nothing from outside runs."""

import re
from dataclasses import replace
from datetime import UTC, date, datetime

from services.router.reporting.account_figures import AccountsPanel, ReadyAccount
from services.router.reporting.agreement_view import ActiveAgreement, Approval
from services.router.reporting.domain.funnel import STAGE_NAMES, stage_figures
from services.router.reporting.funnel_models import FunnelGroup, FunnelReport, FunnelStage
from services.router.reporting.sla_models import (
    Acceptance,
    BoardRow,
    CommitmentsReport,
    RejectionCount,
    SlaBoard,
    WeekVolume,
)
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
    return Dashboard(now=NOW, days=7, group_by="campaign", funnel=funnel, chart=funnel_chart(funnel.totals.stages),
                     board=board, commitments=promised, rejections=rejections_by_campaign(rejections),
                     agreement=agreement)


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
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 4  # campaign (twice), rep, agreement


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


def test_the_account_view_shows_its_counts_and_each_sales_ready_account_with_its_personas():
    ready = ReadyAccount(EVIL, NOW, ("champion", "decision_maker"), 3, "rep-1")
    html = page("dashboard.html", d=replace(_dashboard(), accounts=AccountsPanel(12, 1, 4, 2, (ready,)))).body.decode()
    for testid, shown in (("accounts-engaged", "12"), ("accounts-sales-ready", "1"), ("accounts-routed", "4"),
                          ("accounts-won", "2")):
        assert re.search(rf'data-testid="{testid}">{shown}<', html)
    assert "champion, decision_maker" in html and EVIL not in html
