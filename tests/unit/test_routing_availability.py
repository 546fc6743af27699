from datetime import UTC, datetime, time, timedelta

import pytest

from services.router.routing.domain.availability import RepState, skip_reason
from services.router.sla.domain.business_clock import WorkingHours

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NINE_TO_FIVE = WorkingHours("UTC", start=time(9, 0), end=time(17, 0))


def test_an_active_rep_with_room_can_take_a_lead():
    assert skip_reason(RepState("rep-a"), MONDAY_10, respect_working_hours=True) is None


def test_an_inactive_rep_is_skipped():
    assert skip_reason(RepState("rep-a", active=False), MONDAY_10, False) == "inactive"


def test_a_rep_on_leave_is_skipped_while_the_leave_lasts():
    rep = RepState("rep-a", out_of_office=((MONDAY_10 - timedelta(days=1), MONDAY_10 + timedelta(hours=1)),))
    assert skip_reason(rep, MONDAY_10, False) == "out_of_office"


def test_out_of_office_ends_at_its_end_instant():
    rep = RepState("rep-a", out_of_office=((MONDAY_10 - timedelta(days=1), MONDAY_10),))
    assert skip_reason(rep, MONDAY_10, False) is None


def test_a_rep_at_their_open_lead_cap_is_skipped():
    assert skip_reason(RepState("rep-a", max_open=5, open_count=5), MONDAY_10, False) == "at_capacity_open"


def test_a_rep_at_their_daily_cap_is_skipped():
    rep = RepState("rep-a", max_new_per_day=3, new_today=3)
    assert skip_reason(rep, MONDAY_10, False) == "at_capacity_daily"


def test_outside_working_hours_skips_only_when_the_pool_respects_them():
    rep = RepState("rep-a", working_hours=NINE_TO_FIVE)
    evening = MONDAY_10.replace(hour=19)
    assert skip_reason(rep, evening, respect_working_hours=True) == "outside_working_hours"
    assert skip_reason(rep, evening, respect_working_hours=False) is None


def test_a_rep_without_a_calendar_counts_as_working():
    assert skip_reason(RepState("rep-a"), MONDAY_10.replace(hour=3), respect_working_hours=True) is None


def test_an_earlier_assignee_is_excluded_before_anything_else():
    rep = RepState("rep-a", active=False, max_open=0)
    assert skip_reason(rep, MONDAY_10, False, exclude={"rep-a"}) == "excluded"


def test_several_reasons_give_the_most_lasting_one():
    rep = RepState("rep-a", out_of_office=((MONDAY_10, MONDAY_10 + timedelta(days=7)),), max_open=0)
    assert skip_reason(rep, MONDAY_10, False) == "out_of_office"


def test_out_of_office_periods_need_time_zones():
    with pytest.raises(ValueError):
        RepState("rep-a", out_of_office=((datetime(2026, 3, 2), datetime(2026, 3, 3)),))


def test_a_rep_set_unavailable_after_missed_slas_is_skipped_as_unavailable():
    assert skip_reason(RepState("rep-a", unavailable=True), MONDAY_10, respect_working_hours=False) == "unavailable"


def test_inactive_outranks_unavailable_and_unavailable_outranks_out_of_office():
    assert skip_reason(RepState("rep-a", active=False, unavailable=True), MONDAY_10, False) == "inactive"
    away = ((MONDAY_10.replace(hour=0), MONDAY_10.replace(hour=23)),)
    assert skip_reason(RepState("rep-a", unavailable=True, out_of_office=away), MONDAY_10, False) == "unavailable"
