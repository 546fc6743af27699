"""SLA reports for both teams: follow-up summary, the SLA board, breaches, and marketing's commitments."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.agreement.deps import AgreementDep
from services.router.reporting.domain.windows import COMMITMENT_MAX_WINDOW, SUMMARY_WINDOW, default_commitment_window
from services.router.reporting.params import Since, Until, choice, instant, window
from services.router.reporting.sla_figures import calendar_zone, commitments, sla_board, sla_summary
from services.router.reporting.sla_models import Breach, CommitmentsReport, SlaBoard, SlaSummary
from services.router.reporting.sla_queries import GROUP_COLUMNS, SlaReports
from services.shared.auth import READERS
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import error_responses

BREACH_STATUSES = ("open", "all")


def _summary_window(now: datetime, since: str | None, until: str | None) -> tuple[datetime, datetime]:
    end = instant("until", until) or now
    return window(instant("since", since) or end - SUMMARY_WINDOW, end)


def sla_router() -> APIRouter:
    router = APIRouter(tags=["sla"], dependencies=[Depends(READERS)], responses=error_responses(401, 403, 422))

    @router.get("/v1/sla/summary", response_model=SlaSummary)
    async def summary(pool: PoolDep, now: NowDep, since: Since = None, until: Until = None,
                      group_by: Annotated[str, Query(description="rep, team or tier")] = "tier") -> SlaSummary:
        """First-touch SLA figures per rep, team or tier over leads routed in [since, until)."""
        group = choice("group_by", group_by, tuple(GROUP_COLUMNS))
        start, end = _summary_window(now, since, until)
        return await sla_summary(SlaReports(pool), group, start, end)

    @router.get("/v1/sla/board", response_model=SlaBoard)
    async def board(pool: PoolDep, now: NowDep, since: Since = None, until: Until = None) -> SlaBoard:
        """The SLA board per rep and team over leads routed in [since, until): open, due soon, breached, on time."""
        start, end = _summary_window(now, since, until)
        return await sla_board(SlaReports(pool), start, end)

    @router.get("/v1/sla/breaches", response_model=list[Breach])
    async def breaches(pool: PoolDep, status: Annotated[str, Query(description="open or all")] = "open",
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       rep_id: str | None = None, team: str | None = None) -> list[Breach]:
        """Assignments whose first-touch target was missed, newest breach first."""
        choice("status", status, BREACH_STATUSES)
        rows = await SlaReports(pool).breaches(open_only=status == "open", limit=limit, rep_id=rep_id, team=team)
        return [Breach(**dict(r)) for r in rows]

    @router.get("/v1/sla/commitments", response_model=CommitmentsReport)
    async def commitments_report(pool: PoolDep, agreement: AgreementDep, now: NowDep, since: Since = None,
                                 until: Until = None) -> CommitmentsReport:
        """Marketing's commitments: weekly sales-ready volume and acceptance rate against the agreement."""
        end = instant("until", until)
        default_start, end = default_commitment_window(now, end, calendar_zone(agreement))
        start, end = window(instant("since", since) or default_start, end, COMMITMENT_MAX_WINDOW)
        return await commitments(SlaReports(pool), agreement, start, end)

    return router
