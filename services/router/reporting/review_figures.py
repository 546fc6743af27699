"""The weekly review's figures, gathered with the functions the report endpoints call, for one ISO week."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from services.router.reporting.agreement_view import ActiveAgreement, active_agreement
from services.router.reporting.domain.revenue import MIN_SALES_READY
from services.router.reporting.domain.review import Headline, week_label, week_window
from services.router.reporting.funnel_figures import funnel
from services.router.reporting.funnel_models import FunnelReport
from services.router.reporting.funnel_queries import FunnelReports
from services.router.reporting.revenue_figures import revenue
from services.router.reporting.revenue_models import RevenueReport
from services.router.reporting.revenue_queries import RevenueReports
from services.router.reporting.sla_figures import calendar_zone, commitments, sla_summary
from services.router.reporting.sla_models import CommitmentsReport, SlaSummary
from services.router.reporting.sla_queries import SlaReports
from services.router.reporting.trends_figures import trends
from services.router.reporting.trends_models import TrendWeekOut
from services.router.reporting.trends_queries import TrendReports
from services.router.reporting.ui.format import CampaignRejections, rejections_by_campaign

TOP_SOURCES = 10


@dataclass(frozen=True)
class WeeklyReview:
    week: str  # 2026-W48
    since: datetime
    until: datetime
    time_zone: str
    built_at: datetime
    currency: str
    headline: TrendWeekOut  # as GET /v1/trends gives the week
    funnel: FunnelReport  # GET /v1/funnel over the week
    sla: SlaSummary  # GET /v1/sla/summary?group_by=tier over the week
    commitments: CommitmentsReport  # GET /v1/sla/commitments over the week
    rejections: list[CampaignRejections]
    revenue: RevenueReport  # GET /v1/revenue?group_by=source over the week
    agreement: ActiveAgreement | None

    def summary(self) -> Headline:
        h = self.headline
        return Headline(self.week, h.sales_ready, h.commitment, h.acceptance_rate,
                        self.sla.totals.touched_on_time_pct, h.pipeline_amount, h.won, h.won_amount, self.currency)


async def weekly_review(pool: asyncpg.Pool, agreement: Any, monday: date, currency: str,
                        built_at: datetime) -> WeeklyReview:
    """Every figure of the week of `monday` (the agreement calendar's week), as the endpoints give it."""
    zone = calendar_zone(agreement)
    local_start, local_end = week_window(monday, zone)
    since, until = local_start.astimezone(UTC), local_end.astimezone(UTC)
    sla = SlaReports(pool)
    weekly, report, summary, promised, money, active = await asyncio.gather(
        trends(sla, TrendReports(pool), agreement, since, until, currency),
        funnel(FunnelReports(pool), "source", since, until), sla_summary(sla, "tier", since, until),
        commitments(sla, agreement, since, until),
        revenue(RevenueReports(pool), "source", since, until, currency, MIN_SALES_READY), active_agreement(pool))
    return WeeklyReview(
        week=week_label(monday), since=since, until=until, time_zone=zone, built_at=built_at, currency=currency,
        headline=weekly.weeks[0], funnel=report, sla=summary, commitments=promised,
        rejections=rejections_by_campaign(promised.rejection_reasons),
        revenue=money.model_copy(update={"groups": money.groups[:TOP_SOURCES]}), agreement=active)
