"""What every adapter's mapping shares: reading tool values leniently and building engagement events."""

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import EmailStr, TypeAdapter, ValidationError

from schemas.bounds import not_after
from schemas.events import EngagementRecorded
from schemas.messages import EngagementEvent
from services.scorer.integrations.mappings import Attribute

_EMAIL = TypeAdapter(EmailStr)
_CLIPPED = {"form": 200, "campaign": 200}  # labels: cut to fit; a cut url or id would be wrong, so they are not


class MalformedBody(ValueError):
    """The request's JSON is not the shape the tool sends (400)."""


class EmptyBatch(ValueError):
    """The request carries no items at all (400)."""


@dataclass(frozen=True)
class Skipped:
    """One item left out, where it was in the request and why."""

    item: str
    reason: str


@dataclass
class Mapped:
    """What one request became: events to produce and items left out."""

    events: list[EngagementEvent] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, reason))

    def skip_future(self, now: datetime, skew: timedelta) -> None:
        """Leaves out the events that occur later than `skew` after `now` (a wrong clock, or a forgery)."""
        kept = []
        for event in self.events:
            problem = not_after(event.data.occurred_at, now, skew)
            if problem:
                self.skip(f"event {event.id}", f"occurred_at: {problem}")
            else:
                kept.append(event)
        self.events = kept


def lookup(obj: Any, path: str) -> Any:
    """The value at a dotted path of nested objects, or None."""
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def coerce(value: Any, kind: str) -> Any:
    """`value` read as `kind`; a value that does not read so is kept as sent, for the agreement to flag."""
    if kind == "as_sent" or value is None:
        return value
    if kind == "string":
        return value if isinstance(value, str) else (None if isinstance(value, dict | list) else str(value))
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return value
    if not math.isfinite(number):  # "NaN" and "Infinity" are text, not numbers
        return value
    return int(number) if kind == "integer" and number.is_integer() else number


def mapped_attributes(values: Mapping[str, Any], specs: Mapping[str, Attribute]) -> dict[str, Any]:
    """The attributes `specs` names, from `values` (dotted paths); empty values never erase known ones."""
    out: dict[str, Any] = {}
    for path, spec in specs.items():
        value = coerce(lookup(values, path), spec.type)
        if value is not None and value != "":
            out[spec.attribute] = value
    return out


def clean_email(value: Any) -> str | None:
    """A usable email address, or None: a malformed one must not cost the event its tool id."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return _EMAIL.validate_python(value.strip())
    except ValidationError:
        return None


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 text or epoch seconds / milliseconds as an aware datetime (naive means UTC), or None."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        if isinstance(value, str) and value.strip():
            text = value.strip()
            if text.isdigit():
                return parse_time(int(text))
            at = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
            return at if at.tzinfo else at.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def first_time(*candidates: Any, default: datetime) -> datetime:
    """The first candidate that reads as a time, else `default` (when the request arrived)."""
    for value in candidates:
        if (at := parse_time(value)) is not None:
            return at
    return default


def text(value: Any) -> str | None:
    """A scalar as text; None for nothing, objects and lists."""
    if value is None or isinstance(value, dict | list) or value == "":
        return None
    return str(value)


def content_hash(item: Any) -> str:
    """A stable id for an item that carries none: the same item hashes the same on redelivery."""
    return hashlib.sha256(orjson.dumps(item, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def engagement_event(event_source: str, event_id: str, *, source: str, activity: str,
                     occurred_at: datetime, **data: Any) -> EngagementEvent:
    """The native event for one tool item; its CloudEvent source and id are the tool's own, for dedupe."""
    for name, limit in _CLIPPED.items():
        if isinstance(data.get(name), str):
            data[name] = data[name][:limit]
    if isinstance(data.get("url"), str) and len(data["url"]) > 2000:
        data["url"] = None
    payload = EngagementRecorded(source=source, activity=activity, occurred_at=occurred_at, **data)
    return EngagementEvent(id=event_id[:200], source=event_source, time=occurred_at, data=payload)


def reason_of(exc: ValueError) -> str:
    """A short reason for a skipped item: pydantic's messages without their URLs."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}" for e in exc.errors())
    return str(exc)
