from types import SimpleNamespace as Row

from services.router.reporting.domain.funnel import stage_figures
from services.router.reporting.ui.format import (
    BAR_AREA,
    LABEL_WIDTH,
    count,
    duration,
    funnel_chart,
    pct,
    rate,
    rejections_by_campaign,
)

COUNTS = {"engaged": 200, "sales_ready": 50, "routed": 48, "touched": 40, "accepted": 30, "converted": 12, "won": 5}


def test_a_duration_is_written_in_the_unit_a_person_reads_best():
    assert [duration(m) for m in (None, 0.25, 12.4, 89, 90, 47 * 60, 2 * 1440, 3.56 * 1440)] == [
        "–", "15 s", "12 min", "89 min", "1.5 h", "47.0 h", "2.0 d", "3.6 d"]


def test_percentages_keep_the_apis_decimal_and_ratios_become_percentages():
    assert (pct(83.3), pct(None), rate(0.7234), rate(None), count(12345)) == ("83.3%", "–", "72.3%", "–", "12,345")


def test_funnel_bars_are_centered_and_as_wide_as_their_share_of_the_largest_stage():
    chart = funnel_chart(stage_figures(COUNTS, {}))
    widest, won = chart.bars[0], chart.bars[-1]
    assert widest.width == BAR_AREA and widest.x == LABEL_WIDTH
    assert won.width == BAR_AREA * 5 / 200 and won.x + won.width / 2 == LABEL_WIDTH + BAR_AREA / 2


def test_the_handoff_band_holds_the_routing_row_and_nothing_else():
    chart = funnel_chart(stage_figures(COUNTS, {}))
    inside = [b.stage.stage for b in chart.bars if chart.handoff_top <= b.y < chart.handoff_bottom]
    assert inside == ["routed"] and chart.height > chart.handoff_bottom


def test_an_empty_funnel_still_draws_a_sliver_per_stage():
    assert {b.width for b in funnel_chart(stage_figures({}, {})).bars} == {2.0}


def test_rejections_are_summed_over_sources_per_campaign_most_rejected_first():
    counts = [Row(reason="no budget", source="web", campaign="spring", count=2, listed=True),
              Row(reason="no budget", source="ads", campaign="spring", count=1, listed=True),
              Row(reason="timing", source="ads", campaign="spring", count=1, listed=False),
              Row(reason="no budget", source="web", campaign=None, count=4, listed=True)]
    out = rejections_by_campaign(counts)
    assert [(c.campaign, c.total) for c in out] == [("spring", 4), (None, 4)]
    assert out[0].reasons == [("no budget", 3, True), ("timing", 1, False)]
