"""/v1/agreements: drafts, diff, joint approval, activation, history, backtest; /v1/backtests: its jobs."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar, overload
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from services.agreement.text import AgreementInvalid, diff_agreements, dump_agreement, parse_agreement
from services.scorer.agreements.domain.signoff import SignoffError, approval_role, check_activation, check_approval
from services.scorer.agreements.store import AgreementRepository, AgreementRow
from services.scorer.backtest.jobs import MAX_UNFINISHED, JobRepository, JobRow, JobStatus, checked, launch
from services.shared.auth import READERS, Principal, require_role
from services.shared.body import media_type, read_limited
from services.shared.deps import PoolDep, SettingsDep
from services.shared.documents import off_the_loop
from services.shared.errors import ApiError, FieldError, error_responses
from services.shared.windows import WindowRefused, parse_window

MAX_INT4 = 2_147_483_647  # versions are PostgreSQL integers: anything larger is simply not found
VersionPath = Annotated[int, Path(ge=1, le=MAX_INT4, description="Agreement version")]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class AgreementSummary(BaseModel):
    version: int
    name: str
    status: Literal["draft", "active", "retired"]
    approvals: dict[str, str]
    missing_approvals: list[str]
    created_by: str
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None
    activated_by: str | None


class AgreementDetail(AgreementSummary):
    document: dict[str, Any]
    source_format: str
    source_text: str


class Approval(BaseModel):
    as_role: Literal["marketing", "sales"] | None = None


class HistoryEntry(BaseModel):
    action: str
    key_id: str
    role: str
    at: datetime
    detail: dict[str, Any]


class Change(BaseModel):
    path: str
    before: Any = None
    after: Any = None


class BacktestProgress(BaseModel):
    events_done: int
    events_total: int | None  # None until the job has counted them
    percent: float | None


class BacktestJob(BaseModel):
    job_id: UUID
    status: JobStatus
    draft_version: int
    since: datetime
    until: datetime
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: BacktestProgress
    report: dict[str, Any] | None  # when done: the comparison (docs/agreement.md, "Backtest and history")
    error: str | None  # when failed


def job_view(job: JobRow) -> BacktestJob:
    return BacktestJob(
        job_id=job.job_id, status=job.status, draft_version=job.draft_version,
        since=job.since, until=job.until, requested_by=job.requested_by, created_at=job.created_at,
        started_at=job.started_at, finished_at=job.finished_at,
        progress=BacktestProgress(events_done=job.events_done, events_total=job.events_total, percent=job.percent),
        report=job.report, error=job.error)


S = TypeVar("S", bound=AgreementSummary)


@overload
def summary(row: AgreementRow) -> AgreementSummary: ...
@overload
def summary(row: AgreementRow, cls: type[S]) -> S: ...
def summary(row: AgreementRow, cls: type[AgreementSummary] = AgreementSummary) -> AgreementSummary:
    missing = [r for r in ("marketing", "sales") if r not in row.approvals]
    fields = {k: v for k, v in row.__dict__.items() if k in cls.model_fields}
    return cls(**fields, missing_approvals=missing)


async def read_document(request: Request, limit: int) -> tuple[dict[str, Any], str, str]:
    """The validated document from a YAML or JSON body: (dumped document, format, text)."""
    content_type = media_type(request)
    fmt: Literal["yaml", "json"]
    if content_type in YAML_TYPES:
        fmt = "yaml"
    elif content_type == "application/json":
        fmt = "json"
    else:
        raise ApiError(415, "unsupported_media_type", "send application/yaml or application/json")
    text = (await read_limited(request, limit)).decode("utf-8", errors="replace")
    try:  # in a worker thread, with a depth limit: a hostile document must not stall the consumers
        document = await off_the_loop(parse_agreement, text, fmt)
    except AgreementInvalid as exc:
        raise ApiError(422, "invalid", "the agreement is not valid",
                       [FieldError(field=p, message=m) for p, m in exc.errors]) from exc
    return dump_agreement(document), fmt, text


async def _existing(repo: AgreementRepository, version: int, *, lock: bool = False) -> AgreementRow:
    row = await repo.get(version, lock=lock)
    if row is None:
        raise ApiError(404, "not_found", f"no agreement version {version}")
    return row


def _signoff(exc: SignoffError) -> ApiError:
    return ApiError(exc.status, {403: "forbidden", 409: "conflict"}.get(exc.status, "invalid"), exc.message)


def agreements_router() -> APIRouter:
    router = APIRouter(prefix="/v1/agreements", tags=["agreement"],
                       responses=error_responses(401, 403, 404, 409, 415, 422))
    Writer = Annotated[Principal, Depends(require_role("ops"))]
    Approver = Annotated[Principal, Depends(require_role("marketing", "sales"))]
    Reader = Annotated[Principal, Depends(READERS)]

    @router.post("", status_code=201, response_model=AgreementDetail)
    async def create_draft(request: Request, who: Writer, pool: PoolDep, settings: SettingsDep) -> AgreementDetail:
        """Creates a draft from a YAML or JSON document."""
        document, fmt, text = await read_document(request, settings.max_body_bytes)
        async with pool.acquire() as conn, conn.transaction():
            repo = AgreementRepository(conn)
            version = await repo.create(document["name"], document, fmt, text, who.key_id)
            await repo.record(version, "created", who.key_id, who.role)
            created = await repo.get(version)
            assert created is not None  # inserted in this transaction
            return summary(created, AgreementDetail)

    @router.get("", response_model=list[AgreementSummary], dependencies=[Depends(READERS)])
    async def list_versions(pool: PoolDep) -> list[AgreementSummary]:
        """Every version, oldest first."""
        async with pool.acquire() as conn:
            return [summary(r) for r in await AgreementRepository(conn).all_versions()]

    @router.get("/active", response_model=AgreementDetail, dependencies=[Depends(READERS)])
    async def active_version(pool: PoolDep) -> AgreementDetail:
        """The version in force."""
        async with pool.acquire() as conn:
            row = await AgreementRepository(conn).active()
        if row is None:
            raise ApiError(404, "not_found", "no agreement is active yet")
        return summary(row, AgreementDetail)

    @router.get("/{version}", response_model=AgreementDetail, dependencies=[Depends(READERS)])
    async def get_version(version: VersionPath, pool: PoolDep) -> AgreementDetail:
        """One version with its document and approvals."""
        async with pool.acquire() as conn:
            return summary(await _existing(AgreementRepository(conn), version), AgreementDetail)

    @router.put("/{version}", response_model=AgreementDetail)
    async def edit_draft(version: VersionPath, request: Request, who: Writer, pool: PoolDep,
                         settings: SettingsDep) -> AgreementDetail:
        """Replaces a draft's document; its approvals are dropped."""
        document, fmt, text = await read_document(request, settings.max_body_bytes)
        async with pool.acquire() as conn, conn.transaction():
            repo = AgreementRepository(conn)
            row = await _existing(repo, version, lock=True)
            if row.status != "draft":
                raise ApiError(409, "conflict", f"only a draft can be edited; this version is {row.status}")
            dropped = await repo.replace_draft(version, document["name"], document, fmt, text)
            await repo.record(version, "edited", who.key_id, who.role, {"approvals_dropped": dropped})
            edited = await repo.get(version)
            assert edited is not None  # locked in this transaction
            return summary(edited, AgreementDetail)

    @router.get("/{version}/diff", response_model=list[Change], dependencies=[Depends(READERS)])
    async def diff(version: VersionPath, pool: PoolDep,
                   against: int | None = Query(None, ge=1, le=MAX_INT4, description="Default: active")) -> list[Change]:
        """What changes from `against` (or the active version) to `version`."""
        async with pool.acquire() as conn:
            repo = AgreementRepository(conn)
            target = await _existing(repo, version)
            base = await _existing(repo, against) if against is not None else await repo.active()
        return [Change(**c) for c in diff_agreements(base.document if base else {}, target.document)]

    @router.post("/{version}/approvals", response_model=AgreementSummary)
    async def approve(version: VersionPath, who: Approver, pool: PoolDep,
                      body: Approval | None = None) -> AgreementSummary:
        """Approves a draft for the caller's team (marketing or sales)."""
        try:
            role = approval_role(who.role, body.as_role if body else None)
            async with pool.acquire() as conn, conn.transaction():
                repo = AgreementRepository(conn)
                row = await _existing(repo, version, lock=True)
                check_approval(row.status, row.approvals, role, who.key_id)
                await repo.approve(version, role, who.key_id)
                await repo.record(version, "approved", who.key_id, role)
                approved = await repo.get(version)
                assert approved is not None  # locked in this transaction
                return summary(approved)
        except SignoffError as exc:
            raise _signoff(exc) from exc

    @router.post("/{version}/activate", response_model=AgreementSummary)
    async def activate(version: VersionPath, who: Writer, pool: PoolDep) -> AgreementSummary:
        """Puts an approved draft in force; the previous version is retired."""
        try:
            async with pool.acquire() as conn, conn.transaction():
                repo = AgreementRepository(conn)
                row = await _existing(repo, version, lock=True)
                check_activation(row.status, row.approvals)
                retired = await repo.activate(version, who.key_id)
                await repo.record(version, "activated", who.key_id, who.role, {"retired": retired})
                activated = await repo.get(version)
                assert activated is not None  # locked in this transaction
                return summary(activated)
        except SignoffError as exc:
            raise _signoff(exc) from exc

    @router.get("/{version}/history", response_model=list[HistoryEntry], dependencies=[Depends(READERS)])
    async def history(version: VersionPath, pool: PoolDep) -> list[HistoryEntry]:
        """Who created, edited, approved and activated this version, and when."""
        async with pool.acquire() as conn:
            repo = AgreementRepository(conn)
            await _existing(repo, version)
            return [HistoryEntry(**dict(r)) for r in await repo.history(version)]

    @router.post("/{version}/backtest", status_code=202, response_model=BacktestJob,
                 responses=error_responses(429))
    async def backtest(version: VersionPath, who: Reader, pool: PoolDep, response: Response,
                       since: str = Query("30d", description="30d, 12h, 2w or an ISO timestamp"),
                       until: datetime | None = Query(None, description="Default: now")) -> BacktestJob:
        """Starts a backtest job: stored engagement replayed under this version and under the active one
        with the live scorer's engine, side by side. Poll `GET /v1/backtests/{job_id}` for the report."""
        async with pool.acquire() as conn:
            row = await _existing(AgreementRepository(conn), version)
        try:
            start, end = parse_window(since, until, datetime.now(UTC))
        except WindowRefused as exc:
            raise ApiError(422, "invalid", exc.summary, [FieldError(field=exc.field, message=str(exc))]) from exc
        async with pool.acquire() as conn, conn.transaction():
            jobs = JobRepository(conn)
            await jobs.lock()
            if await jobs.unfinished() >= MAX_UNFINISHED:
                raise ApiError(429, "too_many_requests",
                               f"{MAX_UNFINISHED} backtests are running already; try again when one is done",
                               headers={"Retry-After": "30"})
            job = await jobs.create(version, row.document, start, end, who.key_id)
        await launch(pool, job.job_id)  # a process of its own: this one only waits for its exit status
        response.headers["Location"] = f"/v1/backtests/{job.job_id}"
        return job_view(job)

    return router


def backtests_router() -> APIRouter:
    router = APIRouter(prefix="/v1/backtests", tags=["agreement"], responses=error_responses(401, 403, 404, 422))

    @router.get("/{job_id}", response_model=BacktestJob, dependencies=[Depends(READERS)])
    async def backtest_job(job_id: Annotated[UUID, Path(description="From POST /v1/agreements/{v}/backtest")],
                           pool: PoolDep) -> BacktestJob:
        """A backtest job: queued, running (with progress), done (with the report) or failed (with the error)."""
        async with pool.acquire() as conn:
            job = await checked(JobRepository(conn), job_id)
        if job is None:
            raise ApiError(404, "not_found", f"no backtest job {job_id}")
        return job_view(job)

    return router
