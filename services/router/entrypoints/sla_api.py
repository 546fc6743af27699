"""SLA reports for both teams: follow-up summary, breaches, and marketing's commitments."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.router.adapters.sla_reports import GROUP_COLUMNS, SlaReports
from services.router.domain.reporting import (
    COMMITMENT_MAX_WINDOW, SUMMARY_WINDOW, default_commitment_window, parse_instant,
)
from services.router.sla_figures import calendar_zone, commitments, sla_summary
from services.router.sla_models import Breach, CommitmentsReport, SlaSummary
from services.shared.auth import require_role
from services.shared.deps import PoolDep
from services.shared.errors import ApiError, ErrorResponse, FieldError

READERS = [Depends(require_role("marketing", "sales", "ops"))]
BREACH_STATUSES = ("open", "all")
Since = Annotated[str | None, Query(description="ISO 8601 timestamp with offset; inclusive")]
Until = Annotated[str | None, Query(description="ISO 8601 timestamp with offset; exclusive; default now")]


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", f"{field}: {message}", [FieldError(field=field, message=message)])


def _choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _invalid(field, f"must be one of {list(allowed)}, got {value!r}")
    return value


def _instant(field: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise _invalid(field, str(exc)) from None


def _window(since: datetime, until: datetime, longest: timedelta | None = None) -> tuple[datetime, datetime]:
    if since > until:
        raise ApiError(422, "invalid", "since is after until", [
            FieldError(field="since", message=f"after until ({until.isoformat()})")])
    if longest is not None and until - since > longest:
        raise _invalid("since", f"the window may span at most {longest.days} days")
    return since, until


def sla_router() -> APIRouter:
    router = APIRouter(tags=["sla"], dependencies=READERS,
                       responses={s: {"model": ErrorResponse} for s in (401, 403, 422)})

    @router.get("/v1/sla/summary", response_model=SlaSummary)
    async def summary(request: Request, pool: PoolDep, since: Since = None, until: Until = None,
                      group_by: Annotated[str, Query(description="rep, team or tier")] = "tier") -> SlaSummary:
        """First-touch SLA figures per rep, team or tier over leads routed in [since, until)."""
        group = _choice("group_by", group_by, tuple(GROUP_COLUMNS))
        end = _instant("until", until) or request.app.state.clock()
        start, end = _window(_instant("since", since) or end - SUMMARY_WINDOW, end)
        return await sla_summary(SlaReports(pool), group, start, end)

    @router.get("/v1/sla/breaches", response_model=list[Breach])
    async def breaches(pool: PoolDep, status: Annotated[str, Query(description="open or all")] = "open",
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       rep_id: str | None = None, team: str | None = None) -> list[Breach]:
        """Assignments whose first-touch target was missed, newest breach first."""
        _choice("status", status, BREACH_STATUSES)
        rows = await SlaReports(pool).breaches(open_only=status == "open", limit=limit, rep_id=rep_id, team=team)
        return [Breach(**dict(r)) for r in rows]

    @router.get("/v1/sla/commitments", response_model=CommitmentsReport)
    async def commitments_report(request: Request, pool: PoolDep, since: Since = None,
                                 until: Until = None) -> CommitmentsReport:
        """Marketing's commitments: weekly sales-ready volume and acceptance rate against the agreement."""
        agreement = request.app.state.agreement.current
        end = _instant("until", until)
        default_start, end = default_commitment_window(request.app.state.clock(), end, calendar_zone(agreement))
        start, end = _window(_instant("since", since) or default_start, end, COMMITMENT_MAX_WINDOW)
        return await commitments(SlaReports(pool), agreement, start, end)

    return router
