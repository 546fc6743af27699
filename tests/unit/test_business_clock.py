"""Business-hours clock. Expected instants are worked out by hand and written in UTC.

2026 reference: Fri 16 Jan (Berlin +01:00, New York -05:00, Kolkata +05:30 all winter).
DST changes, all on Sundays: Berlin 29 Mar (02:00 CET -> 03:00 CEST) and 25 Oct (03:00 CEST ->
02:00 CET); New York 8 Mar (02:00 EST -> 03:00 EDT) and 1 Nov (02:00 EDT -> 01:00 EST).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.router.sla.domain.business_clock import WorkingHours

BERLIN, NEW_YORK, KOLKATA = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
EVERY_DAY = frozenset(range(7))
OFFICE = WorkingHours("Europe/Berlin")
OFFICE_7D = WorkingHours("Europe/Berlin", days=EVERY_DAY)
NY_OFFICE = WorkingHours("America/New_York")
NY_OFFICE_7D = WorkingHours("America/New_York", days=EVERY_DAY)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- weekends, evenings, holidays -------------------------------------------------------


def test_friday_evening_lead_is_due_monday_morning_with_the_rest_of_its_minutes():
    # 10 minutes left on Friday, 5 more from Monday 09:00 (+01:00).
    assert OFFICE.add_business_minutes(berlin(2026, 1, 16, 16, 50), 15) == utc(2026, 1, 19, 8, 5)


def test_a_lead_arriving_after_hours_starts_its_clock_at_the_next_opening():
    assert OFFICE.add_business_minutes(berlin(2026, 1, 16, 18, 0), 15) == utc(2026, 1, 19, 8, 15)


def test_a_lead_arriving_on_the_weekend_starts_its_clock_monday_at_nine():
    assert OFFICE.add_business_minutes(berlin(2026, 1, 17, 12, 0), 30) == utc(2026, 1, 19, 8, 30)


def test_a_monday_holiday_pushes_the_due_time_to_tuesday():
    easter = WorkingHours("Europe/Berlin", holidays=frozenset({date(2026, 4, 6)}))
    # Fri 3 Apr 16:50 CEST: 10 minutes, then Tue 7 Apr 09:00 CEST (+02:00) + 5.
    assert easter.add_business_minutes(berlin(2026, 4, 3, 16, 50), 15) == utc(2026, 4, 7, 7, 5)


def test_a_holiday_adds_no_business_minutes():
    easter = WorkingHours("Europe/Berlin", holidays=frozenset({date(2026, 4, 6)}))
    assert easter.business_minutes_between(berlin(2026, 4, 3, 16, 0), berlin(2026, 4, 7, 10, 0)) == 120


def test_four_business_hours_from_thursday_afternoon_end_friday_at_eleven():
    # 2 hours on Thursday (15-17), 2 on Friday (09-11 = 08-10 UTC).
    assert OFFICE.add_business_minutes(berlin(2026, 1, 15, 15, 0), 240) == utc(2026, 1, 16, 10, 0)


def test_friday_four_pm_to_monday_ten_am_is_two_business_hours():
    assert OFFICE.business_minutes_between(berlin(2026, 1, 16, 16, 0), berlin(2026, 1, 19, 10, 0)) == 120


def test_a_target_that_uses_up_the_day_is_due_at_closing_not_next_morning():
    assert OFFICE.add_business_minutes(berlin(2026, 1, 16, 16, 45), 15) == utc(2026, 1, 16, 16, 0)


def test_zero_minutes_outside_hours_is_due_at_the_next_opening():
    assert OFFICE.add_business_minutes(berlin(2026, 1, 17, 12, 0), 0) == utc(2026, 1, 19, 8, 0)


def test_fractional_minutes_are_kept_to_the_second():
    # 30 seconds left on Friday, 60 seconds on Monday.
    assert OFFICE.add_business_minutes(berlin(2026, 1, 16, 16, 59, 30), 1.5) == utc(2026, 1, 19, 8, 1)


def test_inputs_in_any_zone_are_read_as_instants():
    # 10:50 in New York is 16:50 in Berlin.
    assert OFFICE.add_business_minutes(ny(2026, 1, 16, 10, 50), 15) == utc(2026, 1, 19, 8, 5)


def test_results_are_in_utc():
    assert OFFICE.add_business_minutes(berlin(2026, 1, 16, 16, 50), 15).tzinfo is UTC


def test_elapsed_time_is_zero_when_the_end_is_not_after_the_start():
    assert OFFICE.business_minutes_between(berlin(2026, 1, 16, 11, 0), berlin(2026, 1, 16, 10, 0)) == 0


# --- open --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (berlin(2026, 1, 16, 9, 0), True),  # opening instant is open
        (berlin(2026, 1, 16, 16, 59, 59), True),
        (berlin(2026, 1, 16, 17, 0), False),  # closing instant is not
        (berlin(2026, 1, 16, 8, 59), False),
        (berlin(2026, 1, 17, 12, 0), False),  # Saturday
    ],
)
def test_is_open_follows_the_local_working_hours(at, expected):
    assert OFFICE.is_open(at) is expected


def test_is_open_is_false_on_a_holiday():
    assert not WorkingHours("Europe/Berlin", holidays=frozenset({date(2026, 4, 6)})).is_open(berlin(2026, 4, 6, 12))


# --- DST ---------------------------------------------------------------------------------

CHANGE_DAYS = [
    pytest.param(OFFICE_7D, BERLIN, date(2026, 3, 29), id="berlin-spring-forward"),
    pytest.param(OFFICE_7D, BERLIN, date(2026, 10, 25), id="berlin-fall-back"),
    pytest.param(NY_OFFICE_7D, NEW_YORK, date(2026, 3, 8), id="new-york-spring-forward"),
    pytest.param(NY_OFFICE_7D, NEW_YORK, date(2026, 11, 1), id="new-york-fall-back"),
]


@pytest.mark.parametrize(("hours", "tz", "day"), CHANGE_DAYS)
def test_a_dst_change_day_still_has_eight_business_hours(hours, tz, day):
    midnight = datetime.combine(day, time(0), tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tz)
    assert hours.business_minutes_between(midnight, next_midnight) == 480


@pytest.mark.parametrize(
    ("hours", "start", "expected", "offset_after"),
    [
        # Saturday 16:50 before the change, due Sunday 09:05 after it.
        pytest.param(OFFICE_7D, berlin(2026, 3, 28, 16, 50), utc(2026, 3, 29, 7, 5), 2, id="berlin-spring-sunday"),
        pytest.param(OFFICE_7D, berlin(2026, 10, 24, 16, 50), utc(2026, 10, 25, 8, 5), 1, id="berlin-fall-sunday"),
        pytest.param(NY_OFFICE_7D, ny(2026, 3, 7, 16, 50), utc(2026, 3, 8, 13, 5), -4, id="ny-spring-sunday"),
        pytest.param(NY_OFFICE_7D, ny(2026, 10, 31, 16, 50), utc(2026, 11, 1, 14, 5), -5, id="ny-fall-sunday"),
        # Friday 16:50 before the change, due Monday 09:05 after it.
        pytest.param(OFFICE, berlin(2026, 3, 27, 16, 50), utc(2026, 3, 30, 7, 5), 2, id="berlin-spring-monday"),
        pytest.param(OFFICE, berlin(2026, 10, 23, 16, 50), utc(2026, 10, 26, 8, 5), 1, id="berlin-fall-monday"),
        pytest.param(NY_OFFICE, ny(2026, 3, 6, 16, 50), utc(2026, 3, 9, 13, 5), -4, id="ny-spring-monday"),
        pytest.param(NY_OFFICE, ny(2026, 10, 30, 16, 50), utc(2026, 11, 2, 14, 5), -5, id="ny-fall-monday"),
    ],
)
def test_due_times_across_a_dst_change_land_at_nine_oh_five_local(hours, start, expected, offset_after):
    due = hours.add_business_minutes(start, 15)
    assert due == expected
    local = due.astimezone(ZoneInfo(hours.time_zone))
    assert (local.time(), local.utcoffset()) == (time(9, 5), timedelta(hours=offset_after))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (berlin(2026, 3, 27, 16, 0), berlin(2026, 3, 30, 10, 0)),
        (berlin(2026, 10, 23, 16, 0), berlin(2026, 10, 26, 10, 0)),
    ],
)
def test_friday_to_monday_across_a_berlin_dst_change_is_two_business_hours(start, end):
    assert OFFICE.business_minutes_between(start, end) == 120


@pytest.mark.parametrize("minutes", [15, 240, 480, 1000, 2401.5])
def test_elapsed_business_time_undoes_adding_it_across_dst(minutes):
    start = berlin(2026, 3, 27, 13, 7)
    assert OFFICE_7D.business_minutes_between(start, OFFICE_7D.add_business_minutes(start, minutes)) == minutes


def test_an_opening_time_inside_the_spring_gap_is_read_with_the_old_offset():
    # 02:30 does not exist on 29 Mar; fold=0 reads it as 02:30 CET = 01:30 UTC = 03:30 CEST.
    night = WorkingHours("Europe/Berlin", days=EVERY_DAY, start=time(2, 30), end=time(5, 0))
    assert night.add_business_minutes(berlin(2026, 3, 29, 0, 0), 0) == utc(2026, 3, 29, 1, 30)  # the opening
    assert night.business_minutes_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 29, 12, 0)) == 90


def test_an_opening_time_inside_the_autumn_fold_is_its_first_occurrence():
    # 02:30 happens twice on 25 Oct; fold=0 takes 02:30 CEST = 00:30 UTC; 05:00 CET = 04:00 UTC.
    night = WorkingHours("Europe/Berlin", days=EVERY_DAY, start=time(2, 30), end=time(5, 0))
    assert night.add_business_minutes(berlin(2026, 10, 25, 0, 0), 0) == utc(2026, 10, 25, 0, 30)  # the opening
    assert night.business_minutes_between(berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 25, 12, 0)) == 210


# --- all-day calendars ------------------------------------------------------------------

ALWAYS = WorkingHours("Europe/Berlin", days=EVERY_DAY, start=time.min, end=time.max)


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25), (date(2026, 1, 18), 24)])
def test_an_all_day_calendar_counts_the_real_length_of_the_day(day, hours):
    midnight = datetime.combine(day, time(0), BERLIN)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), BERLIN)
    assert ALWAYS.business_minutes_between(midnight, next_midnight) == hours * 60


def test_an_all_day_calendar_is_open_through_the_last_microsecond():
    assert ALWAYS.is_open(berlin(2026, 1, 16, 23, 59, 59, 999999))
    assert ALWAYS.add_business_minutes(berlin(2026, 1, 17, 0, 0), 0) == utc(2026, 1, 16, 23, 0)


def test_an_all_day_target_runs_straight_through_the_spring_forward_night():
    # Sun 29 Mar 00:00 CET = Sat 23:00 UTC; 23 hours later is Mon 00:00 CEST = Sun 22:00 UTC.
    assert ALWAYS.add_business_minutes(berlin(2026, 3, 29, 0, 0), 23 * 60) == utc(2026, 3, 29, 22, 0)


# --- a zone without DST -----------------------------------------------------------------


def test_kolkata_half_hour_offset_without_dst():
    india = WorkingHours("Asia/Kolkata")
    friday = datetime(2026, 1, 16, 16, 50, tzinfo=KOLKATA)
    assert india.add_business_minutes(friday, 15) == utc(2026, 1, 19, 3, 35)  # Mon 09:05 +05:30
    assert india.business_minutes_between(
        datetime(2026, 1, 16, 16, 0, tzinfo=KOLKATA), datetime(2026, 1, 19, 10, 0, tzinfo=KOLKATA)
    ) == 120


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: OFFICE.is_open(datetime(2026, 1, 16, 12, 0)),
        lambda: OFFICE.add_business_minutes(datetime(2026, 1, 16, 12, 0), 15),
        lambda: OFFICE.business_minutes_between(berlin(2026, 1, 16, 12, 0), datetime(2026, 1, 16, 13, 0)),
    ],
    ids=["is_open", "add_business_minutes", "between"],
)
def test_a_naive_datetime_is_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "America"])
def test_an_unknown_time_zone_is_refused(name):
    with pytest.raises(ValueError, match="unknown time zone"):
        WorkingHours(name)


def test_a_calendar_without_working_days_fails_on_use_not_forever():
    idle = WorkingHours("Europe/Berlin", days=frozenset())
    with pytest.raises(ValueError, match="no working time within 366 days"):
        idle.add_business_minutes(berlin(2026, 1, 16, 12, 0), 15)


@pytest.mark.parametrize(
    "kwargs",
    [{"start": time(17), "end": time(9)}, {"start": time(9), "end": time(9)}, {"days": frozenset({7})}],
    ids=["overnight", "empty-day", "bad-weekday"],
)
def test_an_impossible_calendar_is_refused(kwargs):
    with pytest.raises(ValueError):
        WorkingHours("Europe/Berlin", **kwargs)


@pytest.mark.parametrize("minutes", [-1, float("nan"), float("inf")])
def test_a_negative_or_non_finite_target_is_refused(minutes):
    with pytest.raises(ValueError, match="minutes"):
        OFFICE.add_business_minutes(berlin(2026, 1, 16, 12, 0), minutes)


def test_days_and_holidays_given_as_lists_become_frozensets():
    hours = WorkingHours("Europe/Berlin", days=[0, 1], holidays=[date(2026, 4, 6)])
    assert hours == WorkingHours("Europe/Berlin", days=frozenset({0, 1}), holidays=frozenset({date(2026, 4, 6)}))
    assert len({hours, hours}) == 1  # still hashable
