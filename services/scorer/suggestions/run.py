"""Runs a suggestion: reads the outcomes in one snapshot, checks the guards, learns, makes the draft."""

from collections.abc import Awaitable, Callable, Collection
from datetime import datetime

import asyncpg

from services.agreement.active import read_active
from services.scorer.suggestions.domain.features import touched_rules
from services.scorer.suggestions.domain.guards import (
    OutcomeCounts,
    Refused,
    check_counts,
    check_leakage,
    check_requested,
)
from services.scorer.suggestions.domain.suggest import OutcomeLead, Suggestion, WindowLead, suggest
from services.scorer.suggestions.store import OutcomeRepository

Step = Callable[[str, float], Awaitable[None]]


async def _nothing(step: str, percent: float) -> None:
    return None


def window_text(since: datetime, until: datetime) -> str:
    return f"among leads first seen from {since.isoformat()} to {until.isoformat()}"


async def check(conn: asyncpg.Connection, since: datetime, until: datetime, exclude: Collection[str] = (),
                attributes: Collection[str] = ()) -> None:
    """The guards that need only counts (cheap: the API runs them before it queues a job); raises Refused."""
    check_requested(attributes)
    counts = await OutcomeRepository(conn).counts(since, until)
    check_counts(counts, window_text(since, until))
    kept = {k: v for k, v in counts.presence.items() if k not in exclude}
    check_leakage(OutcomeCounts(counts.won, counts.not_won, kept))


async def run_suggestion(pool: asyncpg.Pool, since: datetime, until: datetime, *, per_week: float | None = None,
                         exclude: Collection[str] = (), only: Collection[str] = (),
                         on_step: Step = _nothing) -> tuple[Suggestion, int | None]:
    """(the suggestion, the version it starts from). CPU-bound while it learns: run it in a process of its
    own (a suggestion job, the CLI), never in a serving event loop."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        await on_step("checking the outcomes", 5)
        in_force = await read_active(conn)
        if in_force is None:
            raise Refused("no_agreement", "no agreement is active: a suggestion starts from the one in force")
        await check(conn, since, until, exclude, only)
        repo = OutcomeRepository(conn)
        await on_step("reading leads and engagement", 15)
        known = await repo.outcomes(since, until)
        touches = await repo.touches([k.lead_key for k in known], until)
        window = await repo.window(since, until)
    rules_for = in_force.document.engagement.rules_for
    outcomes = [OutcomeLead(k.lead_key, k.profile, k.seen_at, k.won,
                            touched_rules(rules_for, touches.get(k.lead_key, ()), k.cutoff)) for k in known]
    leads = [WindowLead(w.lead_key, w.profile, w.activities, w.engagement, w.seen_at) for w in window]
    await on_step(f"learning from {len(outcomes)} outcomes", 40)
    result = suggest(in_force.document, outcomes, leads, since, until, per_week=per_week, exclude=exclude,
                     only=only)
    await on_step("done", 95)
    return result, in_force.version
