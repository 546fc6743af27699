"""GET /v1/leads/{key}/score: the latest score with its explanation."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import APIRouter, Depends
from pydantic import BaseModel

from services.scorer.scoring.scores import ScoresRepository
from services.shared.auth import READERS
from services.shared.deps import PoolDep
from services.shared.errors import ApiError, error_responses


class LeadScore(BaseModel):
    lead_key: str
    lifecycle: str
    agreement_version: int
    fit: float
    engagement: float
    account_engagement: float
    account_key: str | None
    disqualified: str | None
    sales_ready: bool
    tier: str | None
    reason: str | None
    explanation: list[dict[str, Any]]
    mismatches: list[str]
    scored_at: datetime
    qualified_at: datetime | None
    qualified_version: int | None
    recycled_at: datetime | None = None  # when sales last sent it back to nurture
    recycle_count: int = 0
    requalify_after: datetime | None = None  # no new qualification before it
    # When a suggestion is in force for comparison: its job, draft and the model's top factors for this lead.
    suggestion: dict[str, Any] | None = None


# The suggestion beside a score (bootstrap fills it with suggestions' own; scoring never imports it).
Compare = Callable[[asyncpg.Connection, str], Awaitable[dict[str, Any] | None]]


async def _no_comparison(conn: asyncpg.Connection, lead_key: str) -> dict[str, Any] | None:
    return None


def leads_router(compare: Compare = _no_comparison) -> APIRouter:
    router = APIRouter(tags=["leads"], responses=error_responses(401, 403, 404))

    @router.get("/v1/leads/{lead_key}/score", response_model=LeadScore,
                dependencies=[Depends(READERS)])
    async def lead_score(lead_key: str, pool: PoolDep) -> LeadScore:
        """The lead's score under the version that decided it, and every rule that fired; beside it the top
        factors of the latest suggestion's model, when there is one."""
        key = lead_key.strip().lower()
        async with pool.acquire() as conn:
            row = await ScoresRepository(conn).score(key)
            if row is None:
                raise ApiError(404, "not_found", f"no score for lead {lead_key!r}")
            return LeadScore(**dict(row), suggestion=await compare(conn, key))

    return router
