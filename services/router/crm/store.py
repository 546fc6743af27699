"""SQL of CRM activities: the assignment that held the lead, the activity once, touches and outcomes."""

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import asyncpg

from schemas.events import CrmActivityRecorded
from services.router.config import SCHEMA
from services.router.sla.store import ASSIGNMENT_COLUMNS, HeldAssignment, held_assignment
from services.shared.outbox import OutboxMessage, add_to_outbox


class ActivityRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def assignment_at(self, lead_key: str, at: datetime) -> HeldAssignment | None:
        """The assignment that held the lead at `at` (else its first one), locked; None for unknown leads."""
        row = await self._conn.fetchrow(
            f"SELECT {ASSIGNMENT_COLUMNS} FROM router.assignments a JOIN router.reps r ON r.rep_id = a.rep_id"
            " WHERE a.lead_key = $1 ORDER BY (a.routed_at <= $2) DESC,"
            " CASE WHEN a.routed_at <= $2 THEN a.routed_at END DESC, a.routed_at, a.attempt DESC"
            " LIMIT 1 FOR UPDATE OF a", lead_key, at)
        return held_assignment(row) if row is not None else None

    async def rated_currencies(self) -> set[str]:
        """The currencies ops has given a rate into the reporting currency (router.currency_rates)."""
        return {r["currency"] for r in await self._conn.fetch("SELECT currency FROM router.currency_rates")}

    async def rep_exists(self, rep_id: str) -> bool:
        return cast(bool, await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM router.reps WHERE rep_id = $1)", rep_id))

    async def record_activity(self, activity: CrmActivityRecorded, assignment_id: str) -> bool:
        """Stores the activity once by its id; False for a duplicate."""
        row = await self._conn.fetchrow(
            "INSERT INTO router.crm_activities (activity_id, lead_key, assignment_id, rep_id, kind, status,"
            " reason, occurred_at, amount, currency) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id",
            activity.activity_id, activity.lead_key, assignment_id, activity.rep_id, activity.kind.value,
            activity.status, activity.reason, activity.occurred_at, activity.amount, activity.currency)
        return row is not None

    async def record_first_touch(self, assignment_id: str, at: datetime, minutes: float, on_time: bool) -> None:
        """Keeps the earliest touch, whatever order the CRM reports them in."""
        await self._conn.execute(
            "UPDATE router.assignments SET first_touched_at = $2, first_touch_minutes = $3, touched_on_time = $4"
            " WHERE assignment_id = $1 AND (first_touched_at IS NULL OR first_touched_at > $2)",
            assignment_id, at, minutes, on_time)

    async def record_outcome(self, assignment_id: str, status: str, reason: str | None, at: datetime,
                             close: bool) -> None:
        await self._conn.execute(
            "UPDATE router.assignments SET outcome = $2, outcome_reason = $3, outcome_at = $4,"
            " status = CASE WHEN $5 AND status = 'open' THEN 'closed' ELSE status END,"
            " closed_at = CASE WHEN $5 THEN coalesce(closed_at, $4) ELSE closed_at END"
            " WHERE assignment_id = $1", assignment_id, status, reason, at, close)

    async def record_first_outcome(self, assignment_id: str, status: str, reason: str | None,
                                   at: datetime) -> None:
        """Keeps the earliest decision, whatever order the CRM reports them in."""
        await self._conn.execute(
            "UPDATE router.assignments SET first_outcome = $2, first_outcome_reason = $3, first_outcome_at = $4"
            " WHERE assignment_id = $1 AND (first_outcome_at IS NULL OR first_outcome_at > $4)",
            assignment_id, status, reason, at)

    async def record_lead_outcome(self, lead_key: str, status: str, reason: str | None, at: datetime) -> None:
        """The latest outcome of the lead, read by the scorer's backtests and the funnel."""
        await self._conn.execute(
            "INSERT INTO router.lead_outcomes (lead_key, status, reason, occurred_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (lead_key) DO UPDATE SET status = excluded.status, reason = excluded.reason,"
            " occurred_at = excluded.occurred_at, updated_at = now()"
            " WHERE router.lead_outcomes.occurred_at <= excluded.occurred_at", lead_key, status, reason, at)

    async def routed_leads(self, lead_keys: Sequence[str]) -> set[str]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT lead_key FROM router.assignments WHERE lead_key = ANY($1::text[])", list(lead_keys))
        return {r["lead_key"] for r in rows}

    async def known_reps(self, rep_ids: Sequence[str]) -> set[str]:
        rows = await self._conn.fetch("SELECT rep_id FROM router.reps WHERE rep_id = ANY($1::text[])", list(rep_ids))
        return {r["rep_id"] for r in rows}

    async def recorded_activities(self, activity_ids: Sequence[str]) -> set[str]:
        rows = await self._conn.fetch(
            "SELECT activity_id FROM router.crm_activities WHERE activity_id = ANY($1::text[])", list(activity_ids))
        return {r["activity_id"] for r in rows}

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None:
        await add_to_outbox(self._conn, SCHEMA, messages)
