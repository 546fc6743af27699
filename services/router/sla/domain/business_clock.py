"""The business-hours clock behind follow-up SLAs. Pure: instants in, instants out.

Working time is defined on the local wall clock of the rep's time zone: a working day
(in `days`, not in `holidays`) is open over [local start, local end). Each day's bounds
are turned into UTC instants on their own, so a DST change never stretches or shrinks a
09:00-17:00 day; only an "all day" calendar (end=time.max, meaning until the next local
midnight) sees the 23- or 25-hour days.

Bounds in a DST gap or fold use zoneinfo's fold=0 and are normalised through UTC: in a gap
the wall time is read with the offset from before the change (02:30 on a spring-forward
night at 02:00 becomes 03:30 local); in a fold the first occurrence counts (the earlier
instant). Every function agrees on these intervals, so is_open follows them too.

Shifts past midnight are not supported: end must be after start on the same day.
All returned datetimes are aware and in UTC.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MAX_IDLE_DAYS = 366  # a calendar with no working time within a year is a configuration error
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class WorkingHours:
    time_zone: str  # IANA name, e.g. "Europe/Berlin"
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # 0 = Monday
    start: time = time(9, 0)
    end: time = time(17, 0)  # time.max: open until the next local midnight
    holidays: frozenset[date] = frozenset()  # local dates

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:  # a tzdata folder is an OSError
            raise ValueError(f"unknown time zone: {self.time_zone!r}") from exc
        # Agreements arrive as YAML lists; accept any iterable but keep the value hashable.
        object.__setattr__(self, "days", frozenset(self.days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        if not self.days <= set(range(7)):
            raise ValueError(f"days must be weekday numbers 0-6, got {sorted(self.days)}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("start and end are local wall times and must be naive")
        if self.end <= self.start:
            raise ValueError("end must be after start; overnight shifts are not supported")

    def is_open(self, at: datetime) -> bool:
        """Whether the instant falls inside working time."""
        opens, _ = next(self._open_intervals(_aware(at)))
        return opens == at

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant by which `minutes` of working time have passed since `start` (UTC)."""
        if not math.isfinite(minutes) or minutes < 0:
            raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
        remaining = timedelta(minutes=minutes)
        for opens, closes in self._open_intervals(_aware(start)):
            # <=: a target that uses up the day exactly is due at closing, not next morning;
            # 0 minutes outside hours is due at the next opening (nobody can act before it).
            if opens + remaining <= closes:
                return opens + remaining
            remaining -= closes - opens
        raise AssertionError("unreachable: _open_intervals never ends without raising")

    def business_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes in [a, b); 0 if b <= a."""
        a, b = _aware(a), _aware(b)
        total = timedelta()
        if b <= a:
            return 0.0
        for opens, closes in self._open_intervals(a):
            if opens >= b:
                break
            total += min(closes, b) - opens
        return total / _MINUTE

    def _open_intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open [opens, closes) UTC intervals ending after `since`, clipped to start at it."""
        since = since.astimezone(UTC)
        # Start a day early: the interval holding `since` may belong to the previous local
        # date in odd zones (a skipped calendar day, a gap across midnight).
        day = since.astimezone(ZoneInfo(self.time_zone)).date() - timedelta(days=1)
        idle = 0
        while idle <= _MAX_IDLE_DAYS:
            idle += 1
            if day.weekday() in self.days and day not in self.holidays:
                opens, closes = self._bounds(day)
                opens = max(opens, since)
                if opens < closes:
                    idle = 0
                    yield opens, closes
                    since = closes  # later days must not overlap what was already counted
            day += timedelta(days=1)
        raise ValueError(
            f"no working time within {_MAX_IDLE_DAYS} days of {since.isoformat()} "
            f"in {self.time_zone}: check days and holidays"
        )

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        """One working day's [open, close) as UTC instants (fold=0 for gaps and folds)."""
        tz = ZoneInfo(self.time_zone)  # cached by zoneinfo, so cheap per call
        opens = datetime.combine(day, self.start, tz)
        if self.end == time.max:
            closes = datetime.combine(day + timedelta(days=1), time(0), tz)
        else:
            closes = datetime.combine(day, self.end, tz)
        return opens.astimezone(UTC), closes.astimezone(UTC)


def _aware(at: datetime) -> datetime:
    """The datetime itself, refusing naive ones: a naive time has no single instant."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {at!r}")
    return at
