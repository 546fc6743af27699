"""What the dashboard shows, gathered with the same functions the report endpoints call."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.router.reporting.account_figures import AccountsPanel, accounts_panel
from services.router.reporting.agreement_view import ActiveAgreement, active_agreement
from services.router.reporting.domain.funnel import GROUPS
from services.router.reporting.domain.windows import default_commitment_window
from services.router.reporting.funnel_figures import funnel
from services.router.reporting.funnel_models import FunnelReport
from services.router.reporting.funnel_queries import FunnelReports
from services.router.reporting.sla_figures import calendar_zone, commitments, sla_board
from services.router.reporting.sla_models import CommitmentsReport, SlaBoard
from services.router.reporting.sla_queries import SlaReports
from services.router.reporting.ui.format import CampaignRejections, Chart, funnel_chart, rejections_by_campaign

WINDOWS_DAYS = (1, 7, 30)  # the window choices offered; the funnel and the board share one
DEFAULT_DAYS = 7
REFRESH_S = 30


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
    accounts: AccountsPanel | None = None
    refresh_s: int = REFRESH_S
    windows: tuple[int, ...] = WINDOWS_DAYS
    groups: tuple[str, ...] = GROUPS


def chosen(days: str | None, group_by: str | None) -> tuple[int, str]:
    """The window and grouping asked for in the URL; anything unknown falls back to the defaults."""
    n = int(days) if days and days.isdigit() and int(days) in WINDOWS_DAYS else DEFAULT_DAYS
    return n, group_by if group_by in GROUPS else GROUPS[0]


async def dashboard(pool: asyncpg.Pool, agreement: Any, now: datetime, days: int, group_by: str) -> Dashboard:
    """Every panel's figures at `now`: funnel and SLA board over the last `days`, commitments over
    the report's default four weeks, the active agreement."""
    since = now - timedelta(days=days)
    c_since, c_until = default_commitment_window(now, None, calendar_zone(agreement))
    report, board, promised, active, accounts = await asyncio.gather(
        funnel(FunnelReports(pool), group_by, since, now), sla_board(SlaReports(pool), since, now),
        commitments(SlaReports(pool), agreement, c_since, c_until), active_agreement(pool),
        accounts_panel(pool, since, now))
    return Dashboard(now=now, days=days, group_by=group_by, funnel=report, chart=funnel_chart(report.totals.stages),
                     board=board, commitments=promised, rejections=rejections_by_campaign(promised.rejection_reasons),
                     agreement=active, accounts=accounts)
