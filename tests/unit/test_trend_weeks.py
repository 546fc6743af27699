"""Weekly trends: the window of the last N local weeks and each week's rates. Pure."""

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.router.reporting.domain.trends import WeekTally, trend_weeks, trend_window

BERLIN = "Europe/Berlin"


def test_the_window_starts_on_the_local_monday_weeks_minus_one_before_the_week_of_until():
    since, until = trend_window(datetime(2016, 3, 10, 12, tzinfo=UTC), 2, BERLIN)
    assert since == datetime(2016, 2, 28, 23, tzinfo=UTC) and until == datetime(2016, 3, 10, 12, tzinfo=UTC)


def test_until_at_a_local_monday_midnight_ends_the_week_before():
    since, _ = trend_window(datetime(2016, 3, 13, 23, tzinfo=UTC), 1, BERLIN)
    assert since == datetime(2016, 3, 6, 23, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
       st.integers(1, 104))
def test_the_window_holds_exactly_the_asked_number_of_weeks(until, weeks):
    since, end = trend_window(until, weeks, BERLIN)
    assert len(trend_weeks({}, since, end, BERLIN, None, None)) == weeks


def test_a_week_without_activity_has_zeros_and_no_rates():
    since, until = trend_window(datetime(2016, 3, 10, tzinfo=UTC), 1, BERLIN)
    [week] = trend_weeks({}, since, until, BERLIN, 120, 0.6)
    assert (week.sales_ready, week.commitment_met, week.acceptance_rate, week.acceptance_met, week.on_time_share,
            week.won_amount) == (0, False, None, None, None, Decimal("0.00"))


def test_a_week_sets_its_rates_against_the_agreement():
    since, until = trend_window(datetime(2016, 3, 13, 23, tzinfo=UTC), 1, BERLIN)  # Monday 00:00 in Berlin
    tally = WeekTally(sales_ready=130, accepted=2, rejected=1, touched=4, touched_on_time=3,
                      won_amount=Decimal("10.005"))
    [week] = trend_weeks({date(2016, 3, 7): tally}, since, until, BERLIN, 120, 0.6)
    assert (week.commitment_met, week.acceptance_rate, week.acceptance_met, week.on_time_share, week.won_amount,
            week.complete) == (True, 0.6667, True, 0.75, Decimal("10.00"), True)
