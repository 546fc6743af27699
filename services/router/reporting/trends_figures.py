"""The weekly trends the API, the dashboard and the weekly review show."""

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.router.reporting.domain.trends import WeekTally, trend_weeks
from services.router.reporting.sla_figures import calendar_zone
from services.router.reporting.sla_queries import SlaReports
from services.router.reporting.trends_models import TrendsReport, TrendWeekOut
from services.router.reporting.trends_queries import TrendReports


async def trends(sla: SlaReports, reports: TrendReports, agreement: Any, since: datetime, until: datetime,
                 currency: str) -> TrendsReport:
    """Per local week of [since, until): sales-ready against the commitment, acceptance against its minimum,
    the on-time share of first touches, pipeline opened and deals won."""
    zone = calendar_zone(agreement)
    doc = agreement.document if agreement is not None else None
    ready = await sla.sales_ready_by_week(since, until, zone)
    decided = await reports.decisions_by_week(since, until, zone)
    touches = await reports.touches_by_week(since, until, zone)
    money = await reports.money_by_week(since, until, zone, currency)
    tallies = {}
    for week in {*ready, *decided, *touches, *money}:
        accepted, rejected = decided.get(week, (0, 0))
        touched, on_time = touches.get(week, (0, 0))
        opened, pipeline, won, won_amount = money.get(week, (0, Decimal(0), 0, Decimal(0)))
        tallies[week] = WeekTally(ready.get(week, 0), accepted, rejected, touched, on_time, opened, pipeline, won,
                                  won_amount)
    weeks = trend_weeks(tallies, since, until, zone, doc.commitments.sales_ready_per_week if doc else None,
                        doc.commitments.min_acceptance_rate if doc else None)
    return TrendsReport(since=since, until=until, time_zone=zone, currency=currency,
                        agreement_version=agreement.version if agreement else None,
                        weeks=[TrendWeekOut(**asdict(w)) for w in weeks])
