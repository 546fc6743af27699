"""Weekly trends: the window of the last N weeks, and each week's rates against the agreement. Pure."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.router.reporting.domain.revenue import cents
from services.router.reporting.domain.windows import met, ratio, weeks_between

DEFAULT_WEEKS, MAX_WEEKS = 12, 104
_TICK = timedelta(microseconds=1)


def trend_window(until: datetime, weeks: int, time_zone: str) -> tuple[datetime, datetime]:
    """[the Monday 00:00 (local) `weeks` - 1 weeks before the week of `until`, until)."""
    zone = ZoneInfo(time_zone)
    last = (until - _TICK).astimezone(zone).date()
    monday = last - timedelta(days=last.weekday() + 7 * (weeks - 1))
    return datetime(monday.year, monday.month, monday.day, tzinfo=zone).astimezone(until.tzinfo), until


@dataclass(frozen=True)
class WeekTally:
    """What the database counts and sums for one local week."""

    sales_ready: int = 0
    accepted: int = 0
    rejected: int = 0
    touched: int = 0
    touched_on_time: int = 0
    opportunities: int = 0
    pipeline_amount: Decimal = Decimal(0)
    won: int = 0
    won_amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class WeekTrend:
    week_start: date
    starts_at: datetime
    complete: bool
    sales_ready: int
    commitment: int | None
    commitment_met: bool | None
    accepted: int
    rejected: int
    acceptance_rate: float | None
    min_acceptance_rate: float | None
    acceptance_met: bool | None
    touched: int
    touched_on_time: int
    on_time_share: float | None
    opportunities: int
    pipeline_amount: Decimal
    won: int
    won_amount: Decimal


def trend_weeks(tallies: Mapping[date, WeekTally], since: datetime, until: datetime, time_zone: str,
                commitment: int | None, minimum: float | None) -> list[WeekTrend]:
    """Every week of [since, until), oldest first, with zeros where nothing happened."""
    out = []
    for monday, start, end in weeks_between(since, until, time_zone):
        t = tallies.get(monday, WeekTally())
        rate = ratio(t.accepted, t.accepted + t.rejected)
        share = ratio(t.touched_on_time, t.touched)
        out.append(WeekTrend(
            week_start=monday, starts_at=start, complete=since <= start and end <= until,
            sales_ready=t.sales_ready, commitment=commitment, commitment_met=met(t.sales_ready, commitment),
            accepted=t.accepted, rejected=t.rejected, acceptance_rate=None if rate is None else round(rate, 4),
            min_acceptance_rate=minimum, acceptance_met=met(rate, minimum), touched=t.touched,
            touched_on_time=t.touched_on_time, on_time_share=None if share is None else round(share, 4),
            opportunities=t.opportunities, pipeline_amount=cents(t.pipeline_amount), won=t.won,
            won_amount=cents(t.won_amount)))
    return out
