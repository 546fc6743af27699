"""GET /v1/revenue: pipeline, wins, cost and return by source, campaign, segment or rep, as JSON or CSV."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.router.config import RouterSettingsDep
from services.router.reporting.domain.funnel import FORMATS
from services.router.reporting.domain.revenue import GROUPS, MIN_SALES_READY
from services.router.reporting.domain.windows import COMMITMENT_MAX_WINDOW, SUMMARY_WINDOW
from services.router.reporting.params import Since, Until, choice, instant, window
from services.router.reporting.revenue_figures import revenue, revenue_csv
from services.router.reporting.revenue_models import RevenueReport
from services.router.reporting.revenue_queries import RevenueReports
from services.shared.auth import READERS
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import error_responses

CSV_TYPE = "text/csv; charset=utf-8"


def revenue_router() -> APIRouter:
    router = APIRouter(tags=["revenue"], dependencies=[Depends(READERS)], responses=error_responses(401, 403, 422))

    @router.get("/v1/revenue", response_model=RevenueReport,
                responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                                 "description": "The revenue report; text/csv with ?format=csv"}})
    async def get_revenue(pool: PoolDep, now: NowDep, settings: RouterSettingsDep, since: Since = None,
                          until: Until = None,
                          group_by: Annotated[str, Query(description="source, campaign, segment or rep")] = "source",
                          min_sales_ready: Annotated[int, Query(ge=1, le=1_000_000, description=(
                              "A group with fewer sales-ready leads is flagged too few to judge"))] = MIN_SALES_READY,
                          as_format: Annotated[str, Query(alias="format", description="json or csv")] = "json",
                          ) -> RevenueReport | Response:
        """Leads first seen in [since, until): pipeline, wins, win rate, cost and return per group, ranked."""
        group = choice("group_by", group_by, GROUPS)
        as_csv = choice("format", as_format, FORMATS) == "csv"
        end = instant("until", until) or now
        start, end = window(instant("since", since) or end - SUMMARY_WINDOW, end, COMMITMENT_MAX_WINDOW)
        report = await revenue(RevenueReports(pool), group, start, end, settings.reporting_currency, min_sales_ready)
        if as_csv:
            return Response(revenue_csv(report), media_type=CSV_TYPE, headers={
                "Content-Disposition": f'attachment; filename="revenue-{group}.csv"'})
        return report

    return router
