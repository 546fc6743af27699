"""Pure helpers of the SLA reports: report windows, week buckets, rates."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SUMMARY_WINDOW = timedelta(days=7)
COMMITMENT_WEEKS = 4
COMMITMENT_MAX_WINDOW = timedelta(days=3661)  # ten years of weekly rows is plenty for one response
_FIRST_YEAR, _LAST_YEAR = 1900, 9000
_TICK = timedelta(microseconds=1)  # until is exclusive: the last instant inside is until - 1µs


def parse_instant(text: str) -> datetime:
    """An ISO 8601 timestamp with a UTC offset; ValueError otherwise."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r} (in a URL, write + as %2B)") from None
    if value.tzinfo is None:
        raise ValueError("a timestamp needs a UTC offset, e.g. 2021-03-01T00:00:00Z")
    # Far-off years overflow datetime arithmetic (a window's default start, week bounds).
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise ValueError(f"a timestamp must lie in the years {_FIRST_YEAR}-{_LAST_YEAR}")
    return value.astimezone(UTC)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _monday(at: datetime, zone: ZoneInfo) -> date:
    day = at.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def weeks_between(since: datetime, until: datetime, time_zone: str) -> list[tuple[date, datetime, datetime]]:
    """Each week touching [since, until): (local Monday, start, end) with start and end in UTC."""
    zone = ZoneInfo(time_zone)
    out, monday = [], _monday(since, zone)
    # Step by local dates, not 168 hours: a DST change makes one week 167 or 169 hours long.
    while (start := _midnight(monday, zone)) < until:
        monday += timedelta(days=7)
        out.append((monday - timedelta(days=7), start, _midnight(monday, zone)))
    return out


def default_commitment_window(now: datetime, until: datetime | None, time_zone: str) -> tuple[datetime, datetime]:
    """The last COMMITMENT_WEEKS weeks up to `until` (default now), the week of its last instant included."""
    zone, end = ZoneInfo(time_zone), until or now
    last_monday = _monday(end - _TICK, zone)
    return _midnight(last_monday - timedelta(days=7 * (COMMITMENT_WEEKS - 1)), zone), end


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide."""
    return part / whole if whole else None


def percent(part: int, whole: int) -> float | None:
    """part of whole in percent, one decimal; None when whole is 0."""
    r = ratio(part, whole)
    return None if r is None else round(100 * r, 1)


def met(value: float | None, target: float | None) -> bool | None:
    """Whether value reaches target; None when either is unknown."""
    if value is None or target is None:
        return None
    return value >= target
