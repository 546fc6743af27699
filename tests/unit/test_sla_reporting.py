from datetime import UTC, date, datetime, timedelta

import pytest

from services.router.reporting.domain.windows import (
    default_commitment_window,
    met,
    parse_instant,
    percent,
    ratio,
    weeks_between,
)

BERLIN = "Europe/Berlin"


def test_the_week_of_a_dst_change_is_an_hour_shorter_and_the_next_starts_at_local_midnight():
    weeks = weeks_between(datetime(2021, 3, 22, 12, tzinfo=UTC), datetime(2021, 3, 30, tzinfo=UTC), BERLIN)
    assert [w[0] for w in weeks] == [date(2021, 3, 22), date(2021, 3, 29)]
    assert weeks[0][2] - weeks[0][1] == timedelta(hours=167)
    assert weeks[1][1] == datetime(2021, 3, 28, 22, tzinfo=UTC)  # Monday 00:00 CEST


def test_the_default_commitment_window_is_the_current_week_and_the_three_before():
    now = datetime(2021, 3, 10, 12, tzinfo=UTC)  # a Wednesday
    assert default_commitment_window(now, None, BERLIN) == (datetime(2021, 2, 14, 23, tzinfo=UTC), now)


def test_an_until_on_a_week_boundary_gives_four_whole_weeks_before_it():
    until = datetime(2021, 3, 7, 23, tzinfo=UTC)  # Monday 2021-03-08 00:00 Berlin
    since, _ = default_commitment_window(datetime(2030, 1, 1, tzinfo=UTC), until, BERLIN)
    assert len(weeks_between(since, until, BERLIN)) == 4 and since == datetime(2021, 2, 7, 23, tzinfo=UTC)


def test_a_timestamp_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="UTC offset"):
        parse_instant("2021-03-01T00:00:00")


def test_a_timestamp_in_z_notation_is_read_as_utc():
    assert parse_instant("2021-03-01T00:00:00Z") == datetime(2021, 3, 1, tzinfo=UTC)


def test_a_date_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant("2021-02-30T00:00:00Z")


def test_a_percentage_of_nothing_is_none_not_zero():
    assert (percent(2, 3), percent(0, 0), ratio(0, 0)) == (66.7, None, None)


def test_a_commitment_is_unknown_without_a_target_or_a_value():
    assert (met(0.7, 0.6), met(0.5, 0.6), met(None, 0.6), met(0.7, None)) == (True, False, None, None)


def test_a_timestamp_far_outside_the_supported_years_is_refused():
    with pytest.raises(ValueError, match="years"):
        parse_instant("0001-01-01T00:00:00+01:00")


def test_a_timestamp_with_an_offset_is_normalised_to_utc():
    assert parse_instant("2021-03-01T01:00:00+01:00").tzinfo is UTC
