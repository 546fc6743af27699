"""Time windows operators type: `30d`, `12h`, `2w`, `90m` or an ISO timestamp with its UTC offset.

One parser for every `since` of the CLI and the APIs (dead letters, backtests, suggestions)."""

import re
from datetime import datetime, timedelta

from schemas.bounds import EARLIEST, LATEST, check_instant

_AGO = re.compile(r"^(\d{1,15})([mhdw])$")  # 15 digits: past any timedelta, refused below by range
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
OLDEST = timedelta(days=3650)  # ten years back: further is a typo, and would overflow a datetime soon


def parse_since(text: str, now: datetime) -> datetime:
    """The instant `text` names; ValueError (with a message for the user) when it names none, or one
    out of range (`99999999d`) or further back than ten years."""
    m = _AGO.match(text.strip())
    if m:
        try:
            instant = check_instant(now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))}))
        except OverflowError:  # timedelta's own range, or before year 1
            raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()} (UTC)") from None
        if now - instant > OLDEST:
            raise ValueError(f"{text!r} reaches back more than {OLDEST.days} days")
        return instant
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration (30d, 12h, 2w, 90m) nor an ISO timestamp") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset (for example 2026-11-01T00:00:00+00:00)")
    return check_instant(value)


class WindowRefused(ValueError):
    """A since/until pair that names no window; `field` is the one to blame, `summary` says why."""

    def __init__(self, field: str, summary: str, message: str) -> None:
        super().__init__(message)
        self.field, self.summary = field, summary


def parse_window(since: str, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) from a `since` as parse_since reads it and an optional aware `until` (default
    `now`); WindowRefused naming the field otherwise."""
    try:
        start = parse_since(since, now)
    except ValueError as exc:
        raise WindowRefused("since", "since is not a duration or timestamp", str(exc)) from None
    if until is not None and until.tzinfo is None:
        raise WindowRefused("until", "until needs a UTC offset", "timestamp without offset")
    try:
        end = check_instant(until) if until is not None else now
    except ValueError as exc:
        raise WindowRefused("until", "until is out of range", str(exc)) from None
    if start >= end:
        raise WindowRefused("since", "since must be before until", "not before until")
    return start, end
