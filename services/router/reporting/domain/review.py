"""The weekly review: which ISO week, its window in the agreement's calendar, when it is due, and the
short summary a chat channel gets. Pure.

Both teams meet on Monday morning over the week before: the review of week W is due from the Monday
after W, at the agreement calendar's opening time, in its time zone.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"(\d{4})-W(\d{2})")
FIRST_YEAR, LAST_YEAR = 1900, 9000  # as report timestamps (windows.parse_instant): far-off years overflow


def parse_week(text: str) -> date:
    """The Monday of an ISO week written `2026-W48`; ValueError naming the rule otherwise."""
    found = _WEEK.fullmatch(text.strip())
    if not found:
        raise ValueError(f"not an ISO week: {text[:20]!r} (write it as 2026-W48)")
    if not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
        raise ValueError(f"a week must lie in the years {FIRST_YEAR}-{LAST_YEAR}")
    try:
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise ValueError(f"{text.strip()} does not exist (week 1 to 52, or 53 in a long year)") from None


def week_label(monday: date) -> str:
    """`2026-W48` for the Monday of that ISO week."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02}"


def week_window(monday: date, time_zone: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, the next Monday 00:00) in the calendar's zone."""
    zone = ZoneInfo(time_zone)
    start = datetime.combine(monday, time(0), tzinfo=zone)
    return start, datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)


def due_review(now: datetime, time_zone: str, opens: time) -> date:
    """The Monday of the latest week whose review is due at `now`: last week's once this Monday's opening
    time has passed (and any time later in the week, for a router that was down on Monday), else the
    week before it."""
    local = now.astimezone(ZoneInfo(time_zone))
    this_monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.time() < opens:
        this_monday -= timedelta(days=7)
    return this_monday - timedelta(days=7)


@dataclass(frozen=True)
class Headline:
    """The few figures a chat message carries."""

    week: str
    sales_ready: int
    commitment: int | None
    acceptance_rate: float | None
    on_time_pct: float | None
    pipeline_amount: Decimal
    won: int
    won_amount: Decimal
    currency: str


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def summary_text(h: Headline, link: str) -> str:
    """One short message: the week's handoff, follow-up and money, and where the full page is."""
    target = f" of {h.commitment} committed" if h.commitment is not None else ""
    accepted = _pct(None if h.acceptance_rate is None else 100 * h.acceptance_rate)
    return (f"Weekly review {h.week}: {h.sales_ready} sales-ready{target}, {accepted} accepted, "
            f"{_pct(h.on_time_pct)} first touches on time; pipeline {h.pipeline_amount:,.2f} {h.currency}, "
            f"{h.won} won for {h.won_amount:,.2f} {h.currency}. {link}")
