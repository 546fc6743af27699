"""Runs a backtest of a draft against the active version: one pass over the stored events."""

import gc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.agreement.active import read_active
from services.agreement.document import AgreementDocument
from services.scorer.backtest.domain.replay import NO_PROFILE, Backtest, compare
from services.scorer.backtest.history import HistoryRepository

FILE_VERSION = 0  # the engine state's version for a draft that is a file, not a stored version


async def _nothing(n: int) -> None:
    return None


async def run_backtest(
    pool: asyncpg.Pool,
    draft: AgreementDocument,
    since: datetime,
    *,
    until: datetime | None = None,
    draft_version: int | None = None,
    on_total: Callable[[int], Awaitable[None]] = _nothing,
    on_progress: Callable[[int], Awaitable[None]] = _nothing,
) -> dict[str, Any]:
    """The report of `compare`, plus what was compared. `on_total` gets the number of events to step,
    `on_progress` the number stepped so far, after each chunk.

    CPU-bound between fetches: callers run it in a process of its own (a backtest job, the CLI), not
    in a serving process's event loop."""
    until = until or datetime.now(UTC)
    # The states are long-lived and hold no cycles: with the collector on, its collections walked all
    # of them again and again (a sixth of a 1,000,000-event run). Reference counting frees the chunks;
    # the collector is back on once the backtest's objects are gone, so it never walks them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return await _run(pool, draft, since, until, draft_version, on_total, on_progress)
    finally:
        if collecting:
            gc.enable()


async def _run(pool: asyncpg.Pool, draft: AgreementDocument, since: datetime, until: datetime,
               draft_version: int | None, on_total: Callable[[int], Awaitable[None]],
               on_progress: Callable[[int], Awaitable[None]]) -> dict[str, Any]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        # One snapshot for the count, the stream, the profiles and the outcomes.
        repo = HistoryRepository(conn)
        in_force = await read_active(conn)
        await on_total(await repo.count(until))
        versions = [(draft, draft_version or FILE_VERSION)]
        if in_force:
            versions.append((in_force.document, in_force.version))
        needs_intent = any(doc.intent.rules for doc, _ in versions)
        backtest = Backtest(versions, since, until, await repo.intent(until) if needs_intent else None)
        async for chunk in repo.stream(until):
            new = backtest.unknown(e[0] for e in chunk)
            if new:
                profiles = await repo.profiles(new)
                for key in new:
                    backtest.add_lead(key, profiles.get(key, NO_PROFILE))
            advance = backtest.advance
            for lead_key, touch, source in chunk:
                advance(lead_key, touch, source)
            await on_progress(backtest.events)
        outcomes = await repo.outcomes(backtest.qualified_keys())
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "draft_version": draft_version,
        "active_version": in_force.version if in_force else None,
        **compare(backtest, outcomes),
    }
