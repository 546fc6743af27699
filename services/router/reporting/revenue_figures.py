"""The revenue figures the API, the dashboard and the weekly review show: stored sums through the domain."""

import csv
import io
from dataclasses import asdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from services.router.reporting.domain.revenue import (
    COSTED_GROUPS,
    RANKED_BY,
    RevenueFigures,
    RevenueTally,
    csv_rows,
    figures,
    ranked,
)
from services.router.reporting.revenue_models import RevenueGroup, RevenueReport, RevenueRules
from services.router.reporting.revenue_queries import RevenueReports

COST_RULE = ("a campaign's cost over a period counts in proportion to the period's days inside the window (UTC "
             "dates); by campaign and by the source it ran on, the total over all campaigns")
_TICK = timedelta(microseconds=1)


def _tally(row: Any, cost: Decimal | None) -> RevenueTally:
    return RevenueTally(
        group=None if row["total"] else row["key"], leads=row["leads"], sales_ready=row["sales_ready"],
        routed=row["routed"], opportunities=row["opportunities"], pipeline_amount=row["pipeline_amount"],
        won=row["won"], won_amount=row["won_amount"], priced_won=row["priced_won"], cost=cost,
        unconverted_amounts=row["unconverted_amounts"])


def _model(f: RevenueFigures) -> RevenueGroup:
    return RevenueGroup(**asdict(f))


async def revenue(reports: RevenueReports, group_by: str, since: datetime, until: datetime, currency: str,
                  min_sales_ready: int) -> RevenueReport:
    """Leads first seen in [since, until) with their pipeline, wins and the spend inside the window, per group."""
    rows = await reports.tallies(group_by, since, until, currency)
    costs = await reports.costs(group_by, since.date(), (until - _TICK).date() if until > since else since.date(),
                                currency)
    # A group without a cost row has no cost (null, and no return), not a cost of 0.
    cost_of = {r["key"]: r["cost"] or Decimal(0) for r in costs if not r["total"]}
    total_cost = next((r["cost"] for r in costs if r["total"]), None)
    splits = group_by in COSTED_GROUPS
    groups = [figures(_tally(r, cost_of.get(r["key"]) if splits else None), min_sales_ready)
              for r in rows if not r["total"]]
    # Spend that brought no lead in the window is a group too: the answer to "is the podcast worth it?".
    seen = {g.group for g in groups}
    groups += [figures(RevenueTally(key, 0, 0, 0, 0, Decimal(0), 0, Decimal(0), 0, cost), min_sales_ready)
               for key, cost in cost_of.items() if key not in seen]
    totals = figures(next(_tally(r, total_cost) for r in rows if r["total"]), min_sales_ready)
    return RevenueReport(
        group_by=group_by, since=since, until=until, currency=currency,
        rules=RevenueRules(ranked_by=RANKED_BY, min_sales_ready=min_sales_ready, costs=COST_RULE),
        groups=[_model(g) for g in ranked(groups)], totals=_model(totals))


def revenue_csv(report: RevenueReport) -> str:
    """The report as CSV: one row per group, best first, then the totals."""
    as_figures = [RevenueFigures(**g.model_dump()) for g in report.groups]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        csv_rows(report.group_by, as_figures, RevenueFigures(**report.totals.model_dump())))
    return out.getvalue()
