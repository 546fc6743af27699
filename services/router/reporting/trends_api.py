"""GET /v1/trends: the last N weeks of the agreement's numbers, week by week."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.agreement.deps import AgreementDep
from services.router.config import RouterSettingsDep
from services.router.reporting.domain.trends import DEFAULT_WEEKS, MAX_WEEKS, trend_window
from services.router.reporting.params import Until, instant
from services.router.reporting.sla_figures import calendar_zone
from services.router.reporting.sla_queries import SlaReports
from services.router.reporting.trends_figures import trends
from services.router.reporting.trends_models import TrendsReport
from services.router.reporting.trends_queries import TrendReports
from services.shared.auth import READERS
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import error_responses


def trends_router() -> APIRouter:
    router = APIRouter(tags=["trends"], dependencies=[Depends(READERS)], responses=error_responses(401, 403, 422))

    @router.get("/v1/trends", response_model=TrendsReport)
    async def get_trends(pool: PoolDep, now: NowDep, agreement: AgreementDep, settings: RouterSettingsDep,
                         weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS, description=(
                             "How many weeks, the week of until (in progress) included"))] = DEFAULT_WEEKS,
                         until: Until = None) -> TrendsReport:
        """Per week: sales-ready against the commitment, acceptance against its minimum, SLA on time, money."""
        end = instant("until", until) or now
        start, end = trend_window(end, weeks, calendar_zone(agreement))
        return await trends(SlaReports(pool), TrendReports(pool), agreement, start, end, settings.reporting_currency)

    return router
