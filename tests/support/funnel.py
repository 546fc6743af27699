"""Leads, routings and CRM outcomes written straight to both schemas, for the funnel reports.

Rows carry no SLA timers, so the running routers leave them alone; keys carry the caller's tag.
"""

import itertools
from datetime import datetime

import asyncpg

_SEQ = itertools.count()


async def add_lead(db: asyncpg.Pool, key: str, first_seen: datetime, *, source: str = "web",
                   campaigns: tuple[str | None, ...] = (), employees=None,
                   qualified_at: datetime | None = None) -> str:
    """A scorer lead first seen at `first_seen`, with one engagement event per campaign (a minute apart)."""
    attributes = {} if employees is None else {"employees": employees}
    await db.execute(
        "INSERT INTO scorer.leads (lead_key, source, lifecycle, attributes, first_seen_at, last_engaged_at,"
        " qualified_at) VALUES ($1, $2, 'engaged', $3, $4, $4, $5)",
        key, source, attributes, first_seen, qualified_at)
    for i, campaign in enumerate(campaigns):
        payload = {"source": source, "activity": "page_view", "campaign": campaign}
        await db.execute(
            "INSERT INTO scorer.engagement_events (event_key, lead_key, source, activity, campaign, occurred_at,"
            " payload) VALUES ($1, $2, $3, 'page_view', $4, $5::timestamptz + make_interval(mins => $6), $7)",
            f"{key}#{i}", key, source, campaign, first_seen, i, payload)
    return key


async def add_routing(db: asyncpg.Pool, key: str, rep_id: str, routed_at: datetime, qualified_at: datetime, *,
                      touched_at: datetime | None = None, attempt: int = 1) -> str:
    """An assignment of `key` holding the qualification it came from."""
    assignment_id = f"fun-{key}-{next(_SEQ)}"
    qualification = {"lead_key": key, "source": "web", "qualified_at": qualified_at.isoformat(), "tier": "hot",
                     "reason": "threshold:test"}
    await db.execute(
        "INSERT INTO router.assignments (assignment_id, qualification_id, lead_key, rep_id, rule, tier, routed_at,"
        " decision, attempt, qualification, first_touched_at) VALUES ($1, $2, $3, $4, 'test', 'hot', $5, '{}', $6,"
        " $7, $8)",
        assignment_id, f"q-{assignment_id}", key, rep_id, routed_at, attempt, qualification, touched_at)
    return assignment_id


async def add_status(db: asyncpg.Pool, key: str, assignment_id: str, status: str, at: datetime, *,
                     amount: str | None = None, currency: str | None = None) -> None:
    """A CRM status report (accepted, rejected, converted, won, lost) on the assignment, with its amount."""
    await db.execute(
        "INSERT INTO router.crm_activities (activity_id, lead_key, assignment_id, kind, status, reason, occurred_at,"
        " amount, currency) VALUES ($1, $2, $3, 'status', $4, CASE WHEN $4 = 'rejected' THEN 'no budget' END, $5,"
        " $6::numeric, $7)",
        f"fun-act-{next(_SEQ)}", key, assignment_id, status, at, amount, currency)
