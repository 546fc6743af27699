"""Leads waiting in overflow for a rep with optional skills are decided again when the wait ends.

A PeriodicJob in every router replica claims due waits (`FOR UPDATE SKIP LOCKED`, as the SLA
timers are claimed) and decides each lead again at that time, when the optional needs whose
wait has passed are dropped (skills.py). A rep found: the lead is assigned (attempt 1 of its
qualification, `routed` and `assigned` announced, the SLA clock started) and the overflow entry
resolved. Still nobody: it waits for the next wait's end, or stays in overflow, visible.
"""

import asyncpg

from schemas.events import LeadQualified
from services.router.events import RoutingContext
from services.router.routing.deciding import decide_for
from services.router.routing.handlers import (
    explain,
    lead_facts,
    new_assignment,
    plan_for,
    routed_messages,
    save_rotation,
)
from services.router.routing.state import RoutingStateRepository
from services.router.routing.store import RouterRepository
from services.shared.jobs import PeriodicJob


async def retry_waiting(conn: asyncpg.Connection, ctx: RoutingContext, limit: int = 50) -> int:
    """Decides again the leads whose optional-skill wait has ended; returns how many it looked at."""
    repo, state, at = RouterRepository(conn), RoutingStateRepository(conn), ctx.now()
    due = await repo.due_waits(at, limit)
    for qualification_id, payload, waited_until in due:
        q = LeadQualified.model_validate(payload)
        decision, version = await decide_for(state, lead_facts(q), at, default_pool=ctx.default_pool, lock=True)
        if decision.rep_id is None:
            await repo.wait_again(qualification_id, decision.retry_at, explain(decision, version))
            continue
        step_key = f"{qualification_id}#waited-until-{waited_until.isoformat()}"
        plan = await plan_for(state, ctx, q.tier, decision.rep_id, at)
        assignment = new_assignment(step_key, qualification_id, q, decision, version, plan, at)
        if await repo.insert_assignment(assignment):
            if plan is not None:
                await repo.insert_timers_of({assignment.assignment_id: plan.timers})
            await save_rotation(state, decision)
            await repo.add_outbox(list(routed_messages(ctx, step_key, q, assignment)))
        await repo.resolve_overflow(qualification_id, at)
    return len(due)


def relaxation_job(pool: asyncpg.Pool, ctx: RoutingContext, every_s: float, batch: int = 50) -> PeriodicJob:
    """The job that retries due waits, a batch per transaction; a full batch runs again at once."""

    async def step() -> bool:
        async with pool.acquire() as conn, conn.transaction():
            return await retry_waiting(conn, ctx, batch) >= batch

    return PeriodicJob("skill waits", step, every_s, backoff_max_s=10.0)

