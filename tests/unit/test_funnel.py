from services.router.reporting.domain.funnel import (
    CSV_COLUMNS,
    STAGE_NAMES,
    StageFigure,
    csv_rows,
    safe_cell,
    stage_figures,
)

COUNTS = {"engaged": 200, "sales_ready": 50, "routed": 48, "touched": 40, "accepted": 30, "converted": 12, "won": 5}


def test_the_stages_run_from_marketings_half_through_the_handoff_to_sales_half():
    halves = [(f.stage, f.half) for f in stage_figures(COUNTS, {})]
    assert halves == [("engaged", "marketing"), ("sales_ready", "marketing"), ("routed", "handoff"),
                      ("touched", "sales"), ("accepted", "sales"), ("converted", "sales"), ("won", "sales")]


def test_each_conversion_is_a_percentage_of_the_stage_before_and_the_first_has_none():
    conversions = [f.conversion_pct for f in stage_figures(COUNTS, {})]
    assert conversions == [None, 25.0, 96.0, 83.3, 75.0, 40.0, 41.7]


def test_a_stage_after_an_empty_one_has_no_conversion_rather_than_zero():
    figures = stage_figures({"engaged": 3}, {})
    assert [f.conversion_pct for f in figures] == [None, 0.0, None, None, None, None, None]


def test_medians_are_kept_in_tenths_of_a_minute_and_missing_ones_stay_missing():
    figures = stage_figures(COUNTS, {"engaged": 2880.04, "routed": 0.333})
    assert [f.median_minutes_in_stage for f in figures][:3] == [2880.0, None, 0.3]


def test_the_csv_has_one_row_per_group_and_stage_under_a_header():
    stages = stage_figures(COUNTS, {"engaged": 90.0})
    rows = csv_rows("source", [("web", False, stages), (None, True, stages)])
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 1 + 2 * len(STAGE_NAMES)
    assert rows[1] == ["source", "web", "false", "engaged", "marketing", "200", "", "90.0"]
    assert rows[-1] == ["source", "", "true", "won", "sales", "5", "41.7", ""]


def test_a_group_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    assert [safe_cell(v) for v in ("=HYPERLINK(1)", "+1", "-2", "@x", "spring", None)] == [
        "'=HYPERLINK(1)", "'+1", "'-2", "'@x", "spring", ""]


def test_csv_rows_accept_any_stage_shaped_object():
    row = csv_rows("segment", [("small", False, [StageFigure("engaged", "marketing", 1, None, None)])])[1]
    assert row == ["segment", "small", "false", "engaged", "marketing", "1", "", ""]
