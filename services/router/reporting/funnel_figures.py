"""The funnel figures the API and the dashboard show: stored rows through the domain's stage math."""

import csv
import io
from datetime import datetime
from typing import Any

from services.router.reporting.domain.funnel import STAGE_NAMES, csv_rows, stage_figures
from services.router.reporting.funnel_models import FunnelGroup, FunnelReport, FunnelStage
from services.router.reporting.funnel_queries import FunnelReports


def _group(row: Any) -> FunnelGroup:
    counts = {s: row[s] for s in STAGE_NAMES}
    medians = {s: row[f"{s}_minutes"] for s in STAGE_NAMES[:-1]}
    return FunnelGroup(group=None if row["total"] else row["key"],
                       stages=[FunnelStage(**vars(f)) for f in stage_figures(counts, medians)])


async def funnel(reports: FunnelReports, group_by: str, since: datetime, until: datetime) -> FunnelReport:
    """The split funnel of the leads first seen in [since, until), per group and in total."""
    raw = await reports.stages(group_by, since, until)
    # The totals come from the empty grouping set, which yields a row even for an empty window.
    totals = next(_group(r) for r in raw if r["total"])
    return FunnelReport(group_by=group_by, since=since, until=until,
                        groups=[_group(r) for r in raw if not r["total"]], totals=totals)


def funnel_csv(report: FunnelReport) -> str:
    """The report as CSV: one row per group and stage, the totals last."""
    groups = [(g.group, False, g.stages) for g in report.groups] + [(None, True, report.totals.stages)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(report.group_by, groups))
    return out.getvalue()
