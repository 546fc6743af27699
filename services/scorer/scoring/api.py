"""GET /v1/leads/{key}/score: the latest score with its explanation."""

from datetime import datetime
from typing import Any

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


def leads_router() -> APIRouter:
    router = APIRouter(tags=["leads"], responses=error_responses(401, 403, 404))

    @router.get("/v1/leads/{lead_key}/score", response_model=LeadScore,
                dependencies=[Depends(READERS)])
    async def lead_score(lead_key: str, pool: PoolDep) -> LeadScore:
        """The lead's score under the version that decided it, and every rule that fired."""
        async with pool.acquire() as conn:
            row = await ScoresRepository(conn).score(lead_key.strip().lower())
        if row is None:
            raise ApiError(404, "not_found", f"no score for lead {lead_key!r}")
        return LeadScore(**dict(row))

    return router
