"""A manager makes a rep available again after the SLA clock set them unavailable for missed first touches."""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.router.salesops.api import PathId
from services.router.salesops.models import RepOut
from services.router.salesops.seeding import snapshots
from services.router.salesops.store import SalesOpsRepository
from services.shared.auth import Principal, require_role
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import ApiError, error_responses

Manager = Annotated[Principal, Depends(require_role("sales", "ops"))]


def availability_router() -> APIRouter:
    router = APIRouter(tags=["sales ops"], responses=error_responses(401, 403))

    @router.post("/v1/reps/{rep_id}/clear-unavailable", response_model=RepOut, responses=error_responses(404, 409))
    async def clear_unavailable(rep_id: PathId, who: Manager, db: PoolDep, now: NowDep) -> RepOut:
        """Makes a rep set unavailable after missed first-touch SLAs available again (sales or ops);
        the misses before now count no more. 409 when the rep is not unavailable."""
        async with db.acquire() as conn, conn.transaction():
            repo = SalesOpsRepository(conn)
            found = await repo.reps([rep_id], lock=True)
            if not found:
                raise ApiError(404, "not_found", f"no rep {rep_id!r}")
            if not await repo.clear_unavailable(rep_id, now):
                raise ApiError(409, "conflict", f"rep {rep_id!r} is not set unavailable")
            saved = await repo.reps([rep_id])
            await repo.audit("rep", "cleared_unavailable", who.key_id, snapshots(saved, "rep_id"))
        return saved[0]

    return router
