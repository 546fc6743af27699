"""/v1/agreements/suggestions: a suggestion job (202, then poll it), learned from won and lost leads."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from services.scorer.suggestions.domain.guards import Refused
from services.scorer.suggestions.jobs import checked, launch
from services.scorer.suggestions.run import check
from services.scorer.suggestions.store import (
    MAX_UNFINISHED,
    SuggestionJobRepository,
    SuggestionJobRow,
    SuggestionStatus,
)
from services.shared.auth import READERS, Principal, require_role
from services.shared.deps import PoolDep
from services.shared.errors import ApiError, FieldError, error_responses
from services.shared.windows import WindowRefused, parse_window


class SuggestionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: str = Field(description="Leads first seen since: 180d, 26w or an ISO timestamp")
    until: datetime | None = Field(None, description="Default: now")
    per_week: float | None = Field(None, ge=0, description="Sales-ready leads per week; default: the commitment")
    attributes: list[str] = Field(default_factory=list, max_length=100,
                                  description="Learn only from these attributes (default: all it finds)")
    exclude: list[str] = Field(default_factory=list, max_length=100, description="Attributes never to learn from")


class SuggestionJob(BaseModel):
    job_id: UUID
    status: SuggestionStatus
    since: datetime
    until: datetime
    requested_by: str
    step: str | None
    percent: float
    draft_version: int | None  # when done: the stored draft, to backtest and sign like any other
    report: dict[str, Any] | None
    error: dict[str, Any] | None  # when refused or failed: code, message, numbers
    created_at: datetime
    finished_at: datetime | None


def job_view(job: SuggestionJobRow) -> SuggestionJob:
    fields = {k: v for k, v in job.__dict__.items() if k in SuggestionJob.model_fields}
    return SuggestionJob(**fields)


def refused(exc: Refused) -> ApiError:
    """A guard's refusal as a 422 whose fields carry the numbers."""
    return ApiError(422, exc.code, exc.message, [FieldError(field=k, message=str(v)) for k, v in exc.numbers.items()])


def suggestions_router() -> APIRouter:
    router = APIRouter(prefix="/v1/agreements/suggestions", tags=["agreement"],
                       responses=error_responses(401, 403, 404, 422, 429))
    Ops = Annotated[Principal, Depends(require_role("ops"))]

    @router.post("", status_code=202, response_model=SuggestionJob)
    async def start(body: SuggestionRequest, who: Ops, pool: PoolDep, response: Response) -> SuggestionJob:
        """Starts a suggestion job: a draft agreement learned from won and lost leads, with its report.
        Poll `GET /v1/agreements/suggestions/{job_id}`; the draft is signed like any other."""
        try:
            since, until = parse_window(body.since, body.until, datetime.now(UTC))
        except WindowRefused as exc:
            raise ApiError(422, "invalid", exc.summary, [FieldError(field=exc.field, message=str(exc))]) from exc
        async with pool.acquire() as conn, conn.transaction():
            try:
                await check(conn, since, until, body.exclude, body.attributes)
            except Refused as exc:
                raise refused(exc) from exc
            jobs = SuggestionJobRepository(conn)
            await jobs.lock()
            if await jobs.unfinished() >= MAX_UNFINISHED:
                raise ApiError(429, "too_many_requests",
                               "a suggestion is being made already; try again when it is done",
                              
                               headers={"Retry-After": "30"})
            params = {**body.model_dump(include={"per_week", "attributes", "exclude"}), "role": who.role}
            job = await jobs.create(since, until, params, who.key_id)
        await launch(pool, job.job_id)  # a process of its own: learning is CPU-bound
        response.headers["Location"] = f"/v1/agreements/suggestions/{job.job_id}"
        return job_view(job)

    @router.get("/{job_id}", response_model=SuggestionJob, dependencies=[Depends(READERS)])
    async def get(job_id: Annotated[UUID, Path(description="From POST /v1/agreements/suggestions")],
                  pool: PoolDep) -> SuggestionJob:
        """A suggestion job: queued, running (with its step), done (draft version and report), refused or failed."""
        async with pool.acquire() as conn:
            job = await checked(SuggestionJobRepository(conn), job_id)
        if job is None:
            raise ApiError(404, "not_found", f"no suggestion job {job_id}")
        return job_view(job)

    return router
