"""What the dashboard shows, gathered with the same functions the report endpoints call."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.router.reporting.account_figures import AccountsPanel, accounts_panel
from services.router.reporting.agreement_view import ActiveAgreement, active_agreement
from services.router.reporting.domain.funnel import GROUPS
from services.router.reporting.domain.revenue import MIN_SALES_READY
from services.router.reporting.domain.trends import DEFAULT_WEEKS, trend_window
from services.router.reporting.domain.windows import default_commitment_window
from services.router.reporting.funnel_figures import funnel
from services.router.reporting.funnel_models import FunnelReport
from services.router.reporting.funnel_queries import FunnelReports
from services.router.reporting.revenue_figures import revenue
from services.router.reporting.revenue_models import RevenueGroup, RevenueReport
from services.router.reporting.revenue_queries import RevenueReports
from services.router.reporting.sla_figures import calendar_zone, commitments, sla_board
from services.router.reporting.sla_models import CommitmentsReport, SlaBoard
from services.router.reporting.sla_queries import SlaReports
from services.router.reporting.trends_figures import trends
from services.router.reporting.trends_models import TrendsReport
from services.router.reporting.trends_queries import TrendReports
from services.router.reporting.ui.charts import TrendChart, trend_charts
from services.router.reporting.ui.format import CampaignRejections, Chart, funnel_chart, rejections_by_campaign

WINDOWS_DAYS = (1, 7, 30)  # the window choices offered; the funnel and the board share one
DEFAULT_DAYS = 7
REFRESH_S = 30
TOP_GENERATORS = 10  # "is the podcast among your top 10 lead generators?"


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    days: int
    group_by: str
    funnel: FunnelReport
    chart: Chart
    board: SlaBoard
    commitments: CommitmentsReport
    rejections: list[CampaignRejections]
    agreement: ActiveAgreement | None
    revenue: RevenueReport
    top: list[RevenueGroup]  # the best TOP_GENERATORS sources
    trends: TrendsReport
    charts: list[TrendChart]
    accounts: AccountsPanel | None = None
    refresh_s: int = REFRESH_S
    windows: tuple[int, ...] = WINDOWS_DAYS
    groups: tuple[str, ...] = GROUPS


def chosen(days: str | None, group_by: str | None) -> tuple[int, str]:
    """The window and grouping asked for in the URL; anything unknown falls back to the defaults."""
    n = int(days) if days and days.isdigit() and int(days) in WINDOWS_DAYS else DEFAULT_DAYS
    return n, group_by if group_by in GROUPS else GROUPS[0]


async def dashboard(pool: asyncpg.Pool, agreement: Any, now: datetime, days: int, group_by: str,
                    currency: str) -> Dashboard:
    """Every panel's figures at `now`: funnel, SLA board and money by source over the last `days`,
    commitments over the report's default four weeks, the last twelve weeks' trends, the agreement."""
    since = now - timedelta(days=days)
    zone = calendar_zone(agreement)
    c_since, c_until = default_commitment_window(now, None, zone)
    t_since, t_until = trend_window(now, DEFAULT_WEEKS, zone)
    (report, board, promised, active, money, weekly), accounts = await asyncio.gather(asyncio.gather(
        funnel(FunnelReports(pool), group_by, since, now), sla_board(SlaReports(pool), since, now),
        commitments(SlaReports(pool), agreement, c_since, c_until), active_agreement(pool),
        revenue(RevenueReports(pool), "source", since, now, currency, MIN_SALES_READY),
        trends(SlaReports(pool), TrendReports(pool), agreement, t_since, t_until, currency)),
        accounts_panel(pool, since, now))  # gather's types stop at six
    return Dashboard(now=now, days=days, group_by=group_by, funnel=report, chart=funnel_chart(report.totals.stages),
                     board=board, commitments=promised, rejections=rejections_by_campaign(promised.rejection_reasons),
                     agreement=active, revenue=money, top=money.groups[:TOP_GENERATORS], trends=weekly,
                     charts=trend_charts(weekly.weeks), accounts=accounts)
