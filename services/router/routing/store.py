"""SQL of routing's writes: assignments, their SLA timers, overflow and the outbox."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.router.config import SCHEMA
from services.router.sla.domain.plan import PlannedTimer
from services.shared.outbox import OutboxMessage, add_to_outbox


@dataclass(frozen=True)
class NewAssignment:
    assignment_id: str
    qualification_id: str
    lead_key: str
    rep_id: str
    pool_id: str | None
    rule: str
    tier: str
    agreement_version: int | None
    routed_at: datetime
    decision: dict[str, Any]
    account_id: str | None = None
    attempt: int = 1
    first_touch_due_at: datetime | None = None
    accept_due_at: datetime | None = None
    qualification: dict[str, Any] | None = None  # the LeadQualified payload, to reassign it later


@dataclass(frozen=True)
class OpenAssignment:
    """The latest open attempt of a qualification, with every rep it was ever given to."""

    assignment_id: str
    rep_id: str
    attempt: int
    assignees: tuple[str, ...]
    lead_recent: tuple[str, ...] = ()  # the lead's distinct assignees over all its handoffs, newest first


@dataclass(frozen=True)
class UntouchedAssignment:
    """A lead's open assignment that no rep has touched yet, with the route it took and its fields."""

    assignment_id: str
    qualification_id: str
    lead_key: str
    rep_id: str
    rule: str
    pool_id: str | None
    qualification: dict[str, Any]


# Each of $1's leads' latest open assignment, when no rep has touched it and it has no outcome yet.
_UNTOUCHED = (
    " FROM router.assignments WHERE assignment_id IN (SELECT DISTINCT ON (lead_key) assignment_id"
    "  FROM router.assignments WHERE lead_key = ANY($1::text[]) AND status = 'open'"
    "  ORDER BY lead_key, routed_at DESC, attempt DESC)"
    " AND first_touched_at IS NULL AND outcome IS NULL AND qualification IS NOT NULL")


class RouterRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def insert_assignment(self, a: NewAssignment) -> bool:
        """Stores the assignment; False when this qualification's attempt was already assigned."""
        return a.qualification_id in await self.insert_assignments([a])

    async def handled_qualifications(self, qualification_ids: Sequence[str]) -> set[str]:
        """The qualifications already assigned (first attempt) or parked in overflow."""
        rows = await self._conn.fetch(
            "SELECT qualification_id FROM router.assignments WHERE qualification_id = ANY($1::text[]) AND attempt = 1"
            " UNION SELECT qualification_id FROM router.overflow WHERE qualification_id = ANY($1::text[])",
            list(qualification_ids))
        return {r["qualification_id"] for r in rows}

    async def insert_assignments(self, assignments: Sequence[NewAssignment]) -> set[str]:
        """Stores many assignments in one statement; returns the qualification ids actually inserted."""
        if not assignments:
            return set()
        columns = ("assignment_id", "qualification_id", "lead_key", "rep_id", "pool_id", "rule", "tier",
                   "agreement_version", "routed_at", "decision", "account_id", "attempt", "first_touch_due_at",
                   "accept_due_at", "qualification")
        types = ("text", "text", "text", "text", "text", "text", "text", "int", "timestamptz", "jsonb", "text", "int",
                 "timestamptz", "timestamptz", "jsonb")
        rows = await self._conn.fetch(
            f"INSERT INTO router.assignments ({', '.join(columns)})"
            f" SELECT * FROM unnest({', '.join(f'${i}::{t}[]' for i, t in enumerate(types, start=1))})"
            " ON CONFLICT (qualification_id, attempt) DO NOTHING RETURNING qualification_id",
            *([getattr(a, c) for a in assignments] for c in columns))
        return {r["qualification_id"] for r in rows}

    async def insert_timers_of(self, timers: Mapping[str, Sequence[PlannedTimer]]) -> None:
        """The SLA timers of many assignments in one statement."""
        flat = [(assignment_id, t) for assignment_id, planned in timers.items() for t in planned]
        if not flat:
            return
        await self._conn.execute(
            "INSERT INTO router.sla_timers (timer_id, assignment_id, kind, seq, due_at)"
            " SELECT a || '#' || k || '#' || s, a, k, s, d"
            " FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[]) AS t(a, k, s, d)"
            " ON CONFLICT DO NOTHING",
            [a for a, _ in flat], [t.kind for _, t in flat], [t.seq for _, t in flat], [t.due_at for _, t in flat])

    async def queue_account_review(self, qualification_id: str, lead_key: str, review: Mapping[str, Any],
                                   at: datetime) -> None:
        """Queues a weak lead-to-account match for ops review (once per qualification)."""
        await self._conn.execute(
            "INSERT INTO router.account_match_reviews (qualification_id, lead_key, account_id, score, method,"
            " compared, queued_at) SELECT $1, $2, $3, $4, $5, $6, $7"
            " WHERE EXISTS (SELECT 1 FROM router.accounts WHERE account_id = $3) ON CONFLICT DO NOTHING",
            qualification_id, lead_key, review["account_id"], review["score"], review["method"],
            {k: review[k] for k in ("lead", "account", "compared")}, at)

    async def queue_overflow(self, qualification_id: str, lead_key: str, pool_id: str | None,
                             tier: str, at: datetime, decision: dict[str, Any], retry_at: datetime | None = None,
                             qualification: dict[str, Any] | None = None) -> bool:
        """Parks a lead nobody could take (to be decided again at `retry_at`, if given); False when it
        was already parked."""
        row = await self._conn.fetchrow(
            "INSERT INTO router.overflow (qualification_id, lead_key, pool_id, tier, queued_at, decision, retry_at,"
            " qualification) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING qualification_id",
            qualification_id, lead_key, pool_id, tier, at, decision, retry_at, qualification,
        )
        return row is not None

    async def due_waits(self, at: datetime, limit: int) -> list[tuple[str, dict[str, Any], datetime]]:
        """Overflowed leads whose optional-skill wait has ended: (qualification id, payload, the wait's
        end), locked; others' claims are skipped."""
        rows = await self._conn.fetch(
            "SELECT qualification_id, qualification, retry_at FROM router.overflow WHERE resolved_at IS NULL"
            " AND retry_at <= $1 AND qualification IS NOT NULL ORDER BY retry_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            at, limit)
        return [(r["qualification_id"], r["qualification"], r["retry_at"]) for r in rows]

    async def wait_again(self, qualification_id: str, retry_at: datetime | None, decision: dict[str, Any]) -> None:
        """Still nobody: the next wait's end (None: no more), and the latest decision."""
        await self._conn.execute("UPDATE router.overflow SET retry_at = $2, decision = $3 WHERE qualification_id = $1",
                                 qualification_id, retry_at, decision)

    async def resolve_overflow(self, qualification_id: str, at: datetime) -> None:
        await self._conn.execute("UPDATE router.overflow SET resolved_at = $2, retry_at = NULL"
                                 " WHERE qualification_id = $1", qualification_id, at)

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None:
        await add_to_outbox(self._conn, SCHEMA, messages)

    async def open_assignment(self, qualification_id: str) -> OpenAssignment | None:
        """The latest open attempt of a qualification, locked, with every earlier assignee (of this
        handoff, and the lead's last 50 over all its handoffs)."""
        row = await self._conn.fetchrow(
            "SELECT a.assignment_id, a.rep_id, a.attempt, (SELECT array_agg(b.rep_id) FROM router.assignments b"
            "  WHERE b.qualification_id = a.qualification_id) AS assignees,"
            " ARRAY(SELECT c.rep_id FROM router.assignments c WHERE c.lead_key = a.lead_key GROUP BY c.rep_id"
            "  ORDER BY max(c.routed_at) DESC, max(c.attempt) DESC, c.rep_id LIMIT 50) AS lead_recent"
            " FROM router.assignments a WHERE a.qualification_id = $1 AND a.status = 'open'"
            " ORDER BY attempt DESC LIMIT 1 FOR UPDATE OF a", qualification_id)
        if row is None:
            return None
        return OpenAssignment(row["assignment_id"], row["rep_id"], row["attempt"], tuple(row["assignees"]),
                              tuple(row["lead_recent"]))

    async def untouched_fields(self, lead_keys: Collection[str]) -> dict[str, dict[str, Any]]:
        """The lead fields stored with each lead's latest untouched assignment (as untouched_assignments
        finds it), read without a lock: what most engagement events turn out not to change."""
        rows = await self._conn.fetch(
            "SELECT lead_key, coalesce(qualification->'attributes', '{}')" + _UNTOUCHED, list(lead_keys))
        return {r[0]: r[1] for r in rows}

    async def untouched_assignments(self, lead_keys: Collection[str]) -> list[UntouchedAssignment]:
        """Each lead's latest open assignment with no touch and no outcome yet, locked."""
        rows = await self._conn.fetch(
            "SELECT assignment_id, qualification_id, lead_key, rep_id, rule, pool_id, qualification" + _UNTOUCHED
            + " ORDER BY assignment_id FOR UPDATE", list(lead_keys))
        return [UntouchedAssignment(**dict(r)) for r in rows]

    async def update_qualification(self, assignment_id: str, qualification: dict[str, Any]) -> None:
        await self._conn.execute("UPDATE router.assignments SET qualification = $2 WHERE assignment_id = $1",
                                 assignment_id, qualification)

    async def cancel_open_timers(self, assignment_id: str, at: datetime) -> None:
        """Stops every SLA clock of an assignment the lead is moving away from."""
        await self._conn.execute(
            "UPDATE router.sla_timers SET cancelled_at = $2 WHERE assignment_id = $1"
            " AND fired_at IS NULL AND cancelled_at IS NULL", assignment_id, at)

    async def close_assignment(self, assignment_id: str, status: str) -> None:
        await self._conn.execute(
            "UPDATE router.assignments SET status = $2 WHERE assignment_id = $1", assignment_id, status)
