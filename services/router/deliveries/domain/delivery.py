"""Outbound delivery rules: subscription filters, destination URLs, retries (pure, time passed in)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from schemas.events import FollowupStatus
from services.router.deliveries.domain.addresses import host_problem, is_loopback_host

ROUTED = "handoff.lead.routed"
FOLLOWUP = "handoff.lead.followup"
REVIEW = "handoff.review.published"  # the weekly review, sent by the review job rather than fanned out from a topic
DELIVERABLE_TYPES = (ROUTED, FOLLOWUP, REVIEW)
MAX_URL_LENGTH = 2000


def filter_problem(event_filter: str) -> str | None:
    """Why `event_filter` is not `<type>` or `handoff.lead.followup:<status>`, or None."""
    event_type, _, status = event_filter.partition(":")
    if event_type not in DELIVERABLE_TYPES:
        return f"unknown event type {event_type!r}; one of {list(DELIVERABLE_TYPES)}"
    if ":" in event_filter and event_type != FOLLOWUP:
        return f"only {FOLLOWUP} filters by status"
    if ":" in event_filter and status not in {s.value for s in FollowupStatus}:
        return f"unknown follow-up status {status!r}; one of {[s.value for s in FollowupStatus]}"
    return None


def matches(filters: Iterable[str], event_type: str, status: str | None = None) -> bool:
    """True when a filter names the event's type, or its type and follow-up status."""
    wanted = set(filters)
    return event_type in wanted or (status is not None and f"{event_type}:{status}" in wanted)


def url_problem(url: str, *, allow_loopback: bool) -> str | None:
    """Why events may not be sent to `url` as written, or None. HTTPS to public hosts only; plain HTTP
    and loopback hosts only when `allow_loopback` (a local receiver in development and tests). Names
    are resolved and their addresses vetted too, when saved and again at every send (`egress.py`)."""
    if len(url) > MAX_URL_LENGTH:
        return f"at most {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return f"not a URL: {exc}"
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("https", "http") or not host:
        return "must be an absolute https:// URL"
    if parts.username is not None or parts.password is not None:
        return "must not carry credentials; receivers authenticate requests by their signature"
    if parts.fragment:
        return "must not have a #fragment"
    problem = host_problem(host, allow_loopback=allow_loopback)
    if problem:
        return f"refused destination: {problem}"
    if parts.scheme == "http" and not (allow_loopback and is_loopback_host(host)):
        return "must use https (plain http only to localhost, when allowed)"
    return None


def delivered(status_code: int) -> bool:
    """A 2xx answer ends the delivery; anything else (redirects included) is retried."""
    return 200 <= status_code < 300


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by age."""

    base_s: float
    cap_s: float
    max_attempts: int
    max_age_s: float

    def next_attempt(self, attempt: int, now: datetime, queued_at: datetime,
                     rand: Callable[[], float], retry_after_s: float | None = None) -> datetime | None:
        """When to try again after failed attempt number `attempt` (1-based, this round), or
        None to give up. `rand` returns [0, 1): full jitter spreads a burst of failures apart.
        An endpoint's Retry-After (a CRM's 429) is a floor: never sooner than it asked."""
        if attempt >= self.max_attempts:
            return None
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        at = now + timedelta(seconds=ceiling * rand())
        if retry_after_s is not None:
            at = max(at, now + timedelta(seconds=retry_after_s))
        if at > queued_at + timedelta(seconds=self.max_age_s):
            return None
        return at


MAX_RETRY_AFTER_S = 3600.0  # an endpoint cannot park a delivery for longer than an hour per answer


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """The delay a Retry-After header asks for (delta seconds or an HTTP date), bounded; None when
    absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return min(max((at - now).total_seconds(), 0.0), MAX_RETRY_AFTER_S)
