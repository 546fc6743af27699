"""Runs a backtest of a draft against the active version over stored history."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.scorer.adapters.agreements import AgreementRepository
from services.scorer.adapters.history import HistoryRepository
from services.scorer.domain.agreement import AgreementDocument
from services.scorer.domain.backtest import compare, replay


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
        active_row = await AgreementRepository(conn).active()
    active = AgreementDocument.model_validate(active_row.document) if active_row else None
    on_total(len(histories) * (2 if active else 1))
    # Replaying is CPU work: keep the event loop answering meanwhile.
    draft_crossings = await asyncio.to_thread(replay, draft, histories, on_lead)
    active_crossings = await asyncio.to_thread(replay, active, histories, on_lead) if active else None
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "draft_version": draft_version,
        "active_version": active_row.version if active_row else None,
        **compare(draft_crossings, active_crossings, outcomes, len(histories)),
    }
