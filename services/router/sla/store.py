"""SQL of the SLA clock: due timers claimed with SKIP LOCKED, and what a fired timer marks on its assignment."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.router.config import SCHEMA
from services.shared.outbox import OutboxMessage, add_to_outbox

ASSIGNMENT_COLUMNS = (
    "a.assignment_id, a.qualification_id, a.lead_key, a.rep_id, a.tier, a.attempt, a.status, a.routed_at,"
    " a.agreement_version, a.first_touch_due_at, a.first_touched_at, a.outcome, a.outcome_at, a.qualification,"
    " r.manager_id, r.time_zone"
)


@dataclass(frozen=True)
class HeldAssignment:
    """An assignment as the follow-up loop sees it: who holds the lead, since when, how far it got."""

    assignment_id: str
    qualification_id: str
    lead_key: str
    rep_id: str
    tier: str
    attempt: int
    status: str
    routed_at: datetime
    agreement_version: int | None
    first_touch_due_at: datetime | None
    first_touched_at: datetime | None
    outcome: str | None
    outcome_at: datetime | None
    qualification: dict[str, Any] | None  # the LeadQualified payload, to reassign it
    manager_id: str | None
    time_zone: str | None


def held_assignment(row: asyncpg.Record) -> HeldAssignment:
    """The row of ASSIGNMENT_COLUMNS as a HeldAssignment."""
    return HeldAssignment(**{f: row[f] for f in HeldAssignment.__dataclass_fields__})


@dataclass(frozen=True)
class DueTimer:
    timer_id: str
    kind: str  # warning, breach (first touch) or accept_breach
    seq: int
    due_at: datetime
    assignment: HeldAssignment


class TimerRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def claim_due_timers(self, now: datetime, limit: int) -> list[DueTimer]:
        """Due timers nobody else holds, oldest first, locked with their assignments until commit."""
        rows = await self._conn.fetch(
            f"SELECT t.timer_id, t.kind, t.seq, t.due_at, {ASSIGNMENT_COLUMNS}"
            " FROM router.sla_timers t JOIN router.assignments a USING (assignment_id)"
            " JOIN router.reps r ON r.rep_id = a.rep_id"
            " WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= $1"
            " ORDER BY t.due_at, t.kind DESC, t.seq LIMIT $2 FOR UPDATE OF t, a SKIP LOCKED",
            now, limit)
        return [DueTimer(r["timer_id"], r["kind"], r["seq"], r["due_at"], held_assignment(r)) for r in rows]

    async def finish_timer(self, timer_id: str, at: datetime, *, fired: bool) -> None:
        column = "fired_at" if fired else "cancelled_at"
        await self._conn.execute(f"UPDATE router.sla_timers SET {column} = $2 WHERE timer_id = $1", timer_id, at)

    async def fail_timer(self, timer_id: str, at: datetime, error: str) -> None:
        await self._conn.execute("UPDATE router.sla_timers SET cancelled_at = $2, error = $3 WHERE timer_id = $1",
                                 timer_id, at, error[:2000])

    async def cancel_timers(self, assignment_id: str, kinds: Sequence[str], at: datetime) -> None:
        """Stops the clocks an activity has satisfied."""
        await self._conn.execute(
            "UPDATE router.sla_timers SET cancelled_at = $3 WHERE assignment_id = $1 AND kind = ANY($2::text[])"
            " AND fired_at IS NULL AND cancelled_at IS NULL", assignment_id, list(kinds), at)

    async def mark_breached(self, assignment_id: str, at: datetime, escalated_to: str | None) -> None:
        await self._conn.execute(
            "UPDATE router.assignments SET breached_at = coalesce(breached_at, $2), escalated_to = $3"
            " WHERE assignment_id = $1", assignment_id, at, escalated_to)

    async def hold_after_misses(self, assignment_id: str, rep_id: str, at: datetime) -> int | None:
        """Sets the rep unavailable (with an audit row) when the assignment's pool opts in with K and the
        rep's last K judged first touches (due by `at`, since a manager last cleared them) all missed;
        returns K when this call set it, else None."""
        row = await self._conn.fetchrow(
            "WITH k AS (SELECT p.unavailable_after_misses AS k FROM router.assignments a"
            "  JOIN router.pools p USING (pool_id) WHERE a.assignment_id = $1),"
            " judged AS (SELECT b.breached_at IS NOT NULL AS missed FROM router.assignments b"
            "  JOIN router.reps r ON r.rep_id = b.rep_id WHERE b.rep_id = $2 AND b.first_touch_due_at <= $3"
            "  AND (b.breached_at IS NOT NULL OR b.first_touched_at IS NOT NULL)"
            "  AND b.routed_at >= coalesce(r.misses_counted_from, '-infinity')"
            "  ORDER BY b.first_touch_due_at DESC LIMIT (SELECT k FROM k))"
            " UPDATE router.reps SET unavailable_since = $3, unavailable_reason = 'missed '"
            "  || (SELECT k FROM k) || ' first-touch SLAs in a row', version = version + 1, updated_at = now()"
            " WHERE rep_id = $2 AND unavailable_since IS NULL AND (SELECT k FROM k) IS NOT NULL"
            "  AND (SELECT count(*) FILTER (WHERE missed) FROM judged) = (SELECT k FROM k)"
            " RETURNING version, unavailable_reason, (SELECT k FROM k) AS k", assignment_id, rep_id, at)
        if row is None:
            return None
        await self._conn.execute(
            "INSERT INTO router.audit_log (entity, entity_id, version, action, key_id, at, after)"
            " VALUES ('rep', $1, $2, 'set_unavailable', 'sla-clock', $3, $4)", rep_id, row["version"], at,
            {"unavailable_since": at.isoformat(), "unavailable_reason": row["unavailable_reason"],
             "assignment_id": assignment_id})
        return int(row["k"])

    async def mark_unworked(self, assignment_id: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE router.assignments SET status = 'unworked', closed_at = $2 WHERE assignment_id = $1",
            assignment_id, at)

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None:
        await add_to_outbox(self._conn, SCHEMA, messages)
