"""When a marketing tool sent a request, as its signed body says, and whether that is recent
enough to take (issue #18). Mautic and Segment sign the body only, not a time header; a time
inside the signed body bounds a replay the same way."""

from datetime import datetime, timedelta
from typing import Any

from services.scorer.integrations.common import parse_time


def mautic_sent_at(body: Any) -> datetime | None:
    """When Mautic built the request: a top-level `timestamp` where a version sends one, else the
    newest of its items' `timestamp` (the documented one: each event's time, or when it was queued,
    so a cron-sent batch can be as old as the cron's interval; mautic_replay_tolerance_s covers it)."""
    if not isinstance(body, dict):
        return None
    if (top := parse_time(body.get("timestamp"))) is not None:
        return top
    items = [item for value in body.values() if isinstance(value, list) for item in value if isinstance(item, dict)]
    known = [t for item in items if (t := parse_time(item.get("timestamp"))) is not None]
    return max(known) if known else None


def segment_sent_at(body: Any) -> datetime | None:
    """The newest `receivedAt` (Segment's servers) or, lacking it, `sentAt` of the request's calls."""
    calls = body.get("batch", [body]) if isinstance(body, dict) else body if isinstance(body, list) else []
    times = [parse_time(call.get("receivedAt") or call.get("sentAt")) for call in calls if isinstance(call, dict)]
    if isinstance(body, dict) and "batch" in body:
        times.append(parse_time(body.get("sentAt")))
    known = [t for t in times if t is not None]
    return max(known) if known else None


def staleness(sent_at: datetime | None, now: datetime, tolerance: timedelta, what: str) -> str | None:
    """Why a request sent at `sent_at` is refused (none, too old, from the future), or None."""
    if sent_at is None:
        return f"the body carries no {what}, so a replay could not be told apart"
    if sent_at < now - tolerance:
        return f"the request's {what} is older than {tolerance.total_seconds():g} s: a replay, or delivered too late"
    if sent_at > now + tolerance:
        return f"the request's {what} is more than {tolerance.total_seconds():g} s in the future"
    return None
