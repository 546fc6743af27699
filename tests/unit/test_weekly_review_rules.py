"""The weekly review: ISO weeks, their window in the agreement's calendar, when a review is due. Pure."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.router.reporting.domain.review import (
    Headline,
    due_review,
    parse_week,
    summary_text,
    week_label,
    week_window,
)

BERLIN, NINE = "Europe/Berlin", time(9, 0)


def test_an_iso_week_is_its_monday():
    assert parse_week("2026-W48") == date(2026, 11, 23) and parse_week("2021-W01") == date(2021, 1, 4)


@pytest.mark.parametrize("text", ["2026-48", "2026-W8", "W48", "2026-W54", "2021-W53", "0001-W01", "9999-W52"])
def test_anything_else_is_refused_saying_how_to_write_it(text):
    with pytest.raises(ValueError):
        parse_week(text)


@given(st.dates(min_value=date(1900, 1, 8), max_value=date(8999, 12, 1)))
def test_a_weeks_label_reads_back_as_its_monday(day):
    monday = date.fromordinal(day.toordinal() - day.weekday())
    assert parse_week(week_label(monday)) == monday


def test_the_window_is_monday_to_monday_in_the_calendars_zone_even_across_a_clock_change():
    start, end = week_window(date(2026, 10, 19), BERLIN)  # summer time ends on 25 October
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (datetime(2026, 10, 18, 22, tzinfo=UTC),
                                                            datetime(2026, 10, 25, 23, tzinfo=UTC))


def test_on_monday_before_the_calendar_opens_last_weeks_review_is_not_due_yet():
    assert due_review(datetime(2026, 11, 30, 7, 59, tzinfo=UTC), BERLIN, NINE) == date(2026, 11, 16)


def test_from_monday_morning_on_last_weeks_review_is_due():
    assert due_review(datetime(2026, 11, 30, 8, 0, tzinfo=UTC), BERLIN, NINE) == date(2026, 11, 23)
    assert due_review(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), BERLIN, NINE) == date(2026, 11, 23)


def test_the_summary_names_the_weeks_handoff_follow_up_money_and_the_link():
    text = summary_text(Headline("2026-W48", 130, 120, 0.625, 91.0, Decimal("48000"), 3, Decimal("21500.5"), "EUR"),
                        "https://handoff.example/ui/reviews/2026-W48")
    assert text == ("Weekly review 2026-W48: 130 sales-ready of 120 committed, 62.5% accepted, 91.0% first touches"
                    " on time; pipeline 48,000.00 EUR, 3 won for 21,500.50 EUR."
                    " https://handoff.example/ui/reviews/2026-W48")
