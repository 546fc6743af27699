"""Runs a backtest of a draft against the active version over stored history."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.agreement.active import read_active
from services.agreement.document import AgreementDocument
from services.scorer.backtest.domain.replay import compare, replay
from services.scorer.backtest.history import HistoryRepository


async def run_backtest(
    pool: asyncpg.Pool,
    draft: AgreementDocument,
    since: datetime,
    horizon: timedelta,
    *,
    until: datetime | None = None,
    draft_version: int | None = None,
    on_total: Callable[[int], None] = lambda n: None,
    on_lead: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """The report of `compare`, plus what was compared."""
    async with pool.acquire() as conn:
        repo = HistoryRepository(conn)
        until = until or datetime.now(UTC)
        keys = await repo.lead_keys_between(since, until)
        histories = await repo.histories(keys, horizon, until)
        outcomes = await repo.outcomes(keys)
        in_force = await read_active(conn)
    active = in_force.document if in_force else None
    on_total(len(histories) * (2 if active else 1))
    # Replaying is CPU work: keep the event loop answering meanwhile.
    draft_crossings = await asyncio.to_thread(replay, draft, histories, on_lead)
    active_crossings = await asyncio.to_thread(replay, active, histories, on_lead) if active else None
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "draft_version": draft_version,
        "active_version": in_force.version if in_force else None,
        **compare(draft_crossings, active_crossings, outcomes, len(histories)),
    }
