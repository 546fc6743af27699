"""Time windows operators type: `30d`, `12h`, `2w`, `90m` or an ISO timestamp with its UTC offset."""

import re
from datetime import datetime, timedelta

_AGO = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
OLDEST = timedelta(days=3650)  # ten years back: further is a typo, and would overflow a datetime soon


def parse_since(text: str, now: datetime) -> datetime:
    """The instant `text` names; ValueError (with a message for the user) when it names none."""
    m = _AGO.match(text.strip())
    if m:
        ago = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        if ago > OLDEST:
            raise ValueError(f"{text!r} reaches back more than {OLDEST.days} days")
        return now - ago
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is neither a duration (30d, 12h, 2w, 90m) nor an ISO timestamp") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} needs a UTC offset (for example 2026-11-01T00:00:00+00:00)")
    return value
