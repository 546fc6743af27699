"""The review queue of weak lead-to-account matches: `GET/POST /v1/accounts/matches`.

A lead whose company name or website scored in the grey band against an account routed as if
unmatched; ops confirm or reject the candidate here. Each verdict is audited.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from schemas.bounds import Strict
from services.router.salesops.matches_store import MatchReviews
from services.router.salesops.store import SalesOpsRepository
from services.shared.auth import READERS, Principal, require_role
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import ApiError, error_responses

Ops = Annotated[Principal, Depends(require_role("ops"))]
Status = Literal["pending", "confirmed", "rejected"]


class MatchReview(BaseModel):
    review_id: int
    qualification_id: str
    lead_key: str
    account_id: str
    score: float
    method: str  # name or website
    compared: dict[str, Any]  # what the lead said, the account's name, both normalised
    queued_at: datetime
    status: Status
    decided_by: str | None
    decided_at: datetime | None


class Verdict(Strict):
    status: Literal["confirmed", "rejected"]


def matches_router() -> APIRouter:
    router = APIRouter(tags=["sales ops"], responses=error_responses(401, 403, 422))

    @router.get("/v1/accounts/matches", response_model=list[MatchReview], dependencies=[Depends(READERS)])
    async def list_matches(db: PoolDep, status: Status | None = "pending",
                           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[MatchReview]:
        """Weak lead-to-account matches, oldest first; pending ones by default."""
        async with db.acquire() as conn:
            return [MatchReview(**r) for r in await MatchReviews(conn).list(status, limit)]

    @router.post("/v1/accounts/matches/{review_id}", response_model=MatchReview,
                 responses=error_responses(404, 409))
    async def decide_match(review_id: int, body: Verdict, who: Ops, db: PoolDep, now: NowDep) -> MatchReview:
        """Confirms or rejects a queued match (ops); 409 when it was already decided."""
        async with db.acquire() as conn, conn.transaction():
            reviews = MatchReviews(conn)
            found = await reviews.get(review_id, lock=True)
            if found is None:
                raise ApiError(404, "not_found", f"no account match review {review_id}")
            if found["status"] != "pending":
                raise ApiError(409, "conflict", f"review {review_id} was already {found['status']}")
            decided = await reviews.decide(review_id, body.status, who.key_id, now)
            await SalesOpsRepository(conn).audit("account_match", body.status, who.key_id, [
                (str(review_id), 1, {k: v.isoformat() if isinstance(v, datetime) else v for k, v in decided.items()})])
        return MatchReview(**decided)

    return router
