"""GET /v1/funnel: the split funnel both teams read, as JSON or CSV."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.router.reporting.domain.funnel import FORMATS, GROUPS
from services.router.reporting.domain.windows import SUMMARY_WINDOW
from services.router.reporting.funnel_figures import funnel, funnel_csv
from services.router.reporting.funnel_models import FunnelReport
from services.router.reporting.funnel_queries import FunnelReports
from services.router.reporting.params import Since, Until, choice, instant, window
from services.shared.auth import READERS
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import error_responses

CSV_TYPE = "text/csv; charset=utf-8"


def funnel_router() -> APIRouter:
    router = APIRouter(tags=["funnel"], dependencies=[Depends(READERS)], responses=error_responses(401, 403, 422))

    @router.get("/v1/funnel", response_model=FunnelReport,
                responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                                 "description": "The funnel; text/csv with ?format=csv"}})
    async def get_funnel(pool: PoolDep, now: NowDep, since: Since = None, until: Until = None,
                         group_by: Annotated[str, Query(description="source, campaign or segment")] = "source",
                         as_format: Annotated[str, Query(alias="format", description="json or csv")] = "json",
                         ) -> FunnelReport | Response:
        """The split funnel of the leads first seen in [since, until): marketing's half, the handoff, sales' half."""
        group = choice("group_by", group_by, GROUPS)
        as_csv = choice("format", as_format, FORMATS) == "csv"
        end = instant("until", until) or now
        start, end = window(instant("since", since) or end - SUMMARY_WINDOW, end)
        report = await funnel(FunnelReports(pool), group, start, end)
        if as_csv:
            return Response(funnel_csv(report), media_type=CSV_TYPE, headers={
                "Content-Disposition": f'attachment; filename="funnel-{group}.csv"'})
        return report

    return router
