"""Reps, assignments and overflow rows written straight to the database, for the SLA reports.

Rows are stored with known follow-up values and no SLA timers, so the running routers leave them
alone; every id carries the caller's tag.
"""

import itertools
import uuid
from datetime import datetime, timedelta

import asyncpg

_SEQ = itertools.count()


def tag() -> str:
    return uuid.uuid4().hex[:8]


async def add_rep(db: asyncpg.Pool, rep_id: str, team: str | None = None, manager_id: str | None = None) -> str:
    await db.execute("INSERT INTO router.reps (rep_id, name, team, manager_id) VALUES ($1, $1, $2, $3)",
                     rep_id, team, manager_id)
    return rep_id


async def add_assignment(db: asyncpg.Pool, rep_id: str, routed_at: datetime, *, tier: str = "hot",
                         qualification_id: str | None = None, attempt: int = 1, status: str = "open",
                         touched_after: float | None = None, on_time: bool | None = None,
                         breached_at: datetime | None = None, escalated_to: str | None = None,
                         outcome: str | None = None, outcome_reason: str | None = None,
                         outcome_at: datetime | None = None, source: str = "web",
                         campaign: str | None = None) -> str:
    """One assignment; `touched_after` is both the business minutes and the wall minutes to the first touch."""
    n = next(_SEQ)
    assignment_id = f"sla-{rep_id}-{n}"
    qid = qualification_id or f"q-{rep_id}-{n}"
    lead_key = f"{qid}@sla.example"
    qualification = {"lead_key": lead_key, "source": source, "campaign": campaign, "tier": tier,
                     "qualified_at": routed_at.isoformat(), "reason": "threshold:test"}
    await db.execute(
        "INSERT INTO router.assignments (assignment_id, qualification_id, lead_key, rep_id, rule, tier,"
        " routed_at, decision, attempt, status, first_touch_due_at, first_touched_at, first_touch_minutes,"
        " touched_on_time, breached_at, escalated_to, outcome, outcome_reason, outcome_at, qualification,"
        " first_outcome, first_outcome_reason, first_outcome_at)"
        " VALUES ($1, $2, $3, $4, 'test', $5, $6, '{}', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,"
        # Here the first decision is the stored outcome (the CRM path keeps them apart).
        " $15, $16, CASE WHEN $15::text IS NULL THEN NULL ELSE coalesce($17::timestamptz, $6) END)",
        assignment_id, qid, lead_key, rep_id, tier, routed_at, attempt, status, routed_at + timedelta(minutes=30),
        None if touched_after is None else routed_at + timedelta(minutes=touched_after), touched_after, on_time,
        breached_at, escalated_to, outcome, outcome_reason, outcome_at, qualification)
    return assignment_id


async def add_overflow(db: asyncpg.Pool, qualification_id: str, queued_at: datetime, tier: str = "hot") -> None:
    """A parked lead, already resolved so nothing tries to route it again."""
    await db.execute(
        "INSERT INTO router.overflow (qualification_id, lead_key, tier, queued_at, decision, resolved_at)"
        " VALUES ($1, $2, $3, $4, '{}', $4::timestamptz + interval '1 hour')",
        qualification_id, f"{qualification_id}@sla.example", tier, queued_at)
