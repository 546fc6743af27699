"""SQL of outbound deliveries: fan-out, leased claims, attempt results, the log and replays."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import asyncpg

from services.router.deliveries.models import DeliveryOut

NOTIFY_CHANNEL = "router_deliveries"  # wakes the delivery workers when rows become due now


@dataclass(frozen=True)
class NewDelivery:
    delivery_id: str
    subscription_id: str
    event_key: str
    event_type: str
    payload: str


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to one worker for one attempt."""

    delivery_id: str
    subscription_id: str
    url: str
    secret: str
    payload: str
    attempt: int  # all attempts so far, this one included: the attempt log's number
    round_attempt: int  # this round's (since queued or replayed): what the retry budget counts
    queued_at: datetime
    format: str = "cloudevent"  # the subscription's: the content type of the body
    connector: str | None = None  # a CRM connector sends it through the CRM's API (docs/crm.md); None: a webhook
    previous_secret: str | None = None  # during a rotation's overlap: also signs

    @property
    def secrets(self) -> list[str]:
        """The sealed secrets that sign this attempt, newest first."""
        return [self.secret] + ([self.previous_secret] if self.previous_secret else [])


@dataclass(frozen=True)
class AttemptResult:
    started_at: datetime
    duration_ms: float
    status_code: int | None
    error: str | None
    retry_after_s: float | None = None  # the endpoint's Retry-After (a 429 or 503): no retry sooner

    @property
    def finished_at(self) -> datetime:
        return self.started_at + timedelta(milliseconds=self.duration_ms)


# Per active subscription, its oldest due rows up to its free slots (so one endpoint's backlog never
# takes every slot), then the oldest of those overall; leased and counted in the same statement.
_CLAIM = """
WITH busy AS (SELECT * FROM unnest($3::text[], $4::int[]) AS b(subscription_id, n)),
claimed AS (
    SELECT due.delivery_id FROM router.subscriptions s
    LEFT JOIN busy USING (subscription_id)
    CROSS JOIN LATERAL (
        SELECT d.delivery_id, d.next_attempt_at FROM router.deliveries d
        WHERE d.subscription_id = s.subscription_id AND d.status = 'pending' AND d.next_attempt_at <= $1
          AND (d.locked_until IS NULL OR d.locked_until <= $1)
        ORDER BY d.next_attempt_at LIMIT least(greatest($5 - coalesce(busy.n, 0), 0), $2)
        FOR UPDATE OF d SKIP LOCKED) due
    WHERE s.active
    ORDER BY due.next_attempt_at LIMIT $2)
UPDATE router.deliveries d SET locked_until = $6, attempts = d.attempts + 1
FROM claimed, router.subscriptions s
WHERE d.delivery_id = claimed.delivery_id AND s.subscription_id = d.subscription_id
RETURNING d.delivery_id, d.subscription_id, s.url, s.secret, d.payload, d.attempts AS attempt,
          d.attempts - d.round_start AS round_attempt, d.queued_at, s.connector, s.format,
          CASE WHEN s.previous_secret_expires_at > $1 THEN s.previous_secret END AS previous_secret
"""

_LOG = """
SELECT d.delivery_id, d.subscription_id, d.event_key AS event_id, d.event_type, d.status, d.attempts,
       CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at, d.created_at,
       d.delivered_at, d.last_status_code, d.last_error,
       coalesce((SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'started_at', a.started_at,
                 'duration_ms', a.duration_ms, 'status_code', a.status_code, 'error', a.error) ORDER BY a.attempt)
                 FROM router.delivery_attempts a WHERE a.delivery_id = d.delivery_id), '[]') AS attempt_log
FROM router.deliveries d
WHERE d.subscription_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::text IS NULL OR d.delivery_id = $3)
ORDER BY d.created_at DESC, d.delivery_id LIMIT $4
"""


class DeliveryRepository:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def add(self, deliveries: Sequence[NewDelivery], now: datetime) -> int:
        """Queues each (subscription, event) once, whatever redeliveries; wakes the workers."""
        if not deliveries:
            return 0
        rows = await self._conn.fetch(
            "INSERT INTO router.deliveries (delivery_id, subscription_id, event_key, event_type, payload,"
            " queued_at, next_attempt_at, created_at)"
            " SELECT i, s, k, t, p, $6, $6, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])"
            " AS n(i, s, k, t, p) ON CONFLICT DO NOTHING RETURNING delivery_id",
            *([getattr(d, f) for d in deliveries]
              for f in ("delivery_id", "subscription_id", "event_key", "event_type", "payload")), now)
        if rows:
            await self._conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        return len(rows)

    async def claim(self, now: datetime, limit: int, busy: Mapping[str, int], per_endpoint: int,
                    lease_until: datetime) -> list[Claimed]:
        """Leases due deliveries of active subscriptions, at most `per_endpoint` in flight for each."""
        rows = await self._conn.fetch(_CLAIM, now, limit, list(busy), list(busy.values()), per_endpoint,
                                      lease_until)
        return [Claimed(**dict(r)) for r in rows]

    async def record(self, claim: Claimed, result: AttemptResult, status: str, next_at: datetime | None) -> bool:
        """Logs the attempt and settles the delivery; False when the lease was lost to another worker
        or the subscription was deleted meanwhile."""
        try:
            await self._conn.execute(
                "INSERT INTO router.delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code,"
                " error) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                claim.delivery_id, claim.attempt, result.started_at, result.duration_ms, result.status_code,
                result.error)
        except asyncpg.ForeignKeyViolationError:
            return False
        done = cast(str, await self._conn.execute(
            "UPDATE router.deliveries SET status = $3, next_attempt_at = coalesce($4, next_attempt_at),"
            " locked_until = NULL, delivered_at = CASE WHEN $3 = 'delivered' THEN $5::timestamptz END,"
            " last_status_code = $6, last_error = $7"
            " WHERE delivery_id = $1 AND attempts = $2 AND status = 'pending'",
            claim.delivery_id, claim.attempt, status, next_at, result.finished_at, result.status_code, result.error))
        return done.endswith(" 1")

    async def log(self, subscription_id: str, status: str | None = None, limit: int = 100,
                  delivery_id: str | None = None) -> list[DeliveryOut]:
        """Newest first, each with its attempts."""
        rows = await self._conn.fetch(_LOG, subscription_id, status, delivery_id, limit)
        return [DeliveryOut(**dict(r)) for r in rows]

    async def replay(self, subscription_id: str, now: datetime, *, delivery_id: str | None = None,
                     statuses: Sequence[str] = ("failed",)) -> list[str]:
        """Queues the subscription's deliveries in `statuses` again with a fresh retry budget."""
        rows = await self._conn.fetch(
            "UPDATE router.deliveries SET status = 'pending', round_start = attempts, queued_at = $3,"
            " next_attempt_at = $3, locked_until = NULL, delivered_at = NULL"
            " WHERE subscription_id = $1 AND status = ANY($2::text[]) AND ($4::text IS NULL OR delivery_id = $4)"
            " RETURNING delivery_id", subscription_id, list(statuses), now, delivery_id)
        if rows:
            await self._conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        return [r["delivery_id"] for r in rows]
