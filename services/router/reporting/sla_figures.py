"""The SLA figures both the reports API and the metrics job show: stored rows plus the agreement."""

from datetime import datetime, timedelta
from typing import Any

from services.router.reporting.domain.windows import met, percent, ratio, weeks_between
from services.router.reporting.sla_models import (
    Acceptance,
    BoardRow,
    CommitmentsReport,
    RejectionCount,
    SlaBoard,
    SlaSummary,
    SummaryRow,
    UnavailableRep,
    WeekVolume,
)
from services.router.reporting.sla_queries import SlaReports

NO_CALENDAR_ZONE = "UTC"
DUE_SOON = timedelta(minutes=60)


def calendar_zone(agreement: Any) -> str:
    """The time zone weeks are counted in: the active agreement's calendar, else UTC."""
    return agreement.document.sla.calendar.time_zone if agreement is not None else NO_CALENDAR_ZONE


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)  # tenths of a minute; percentile_cont interpolates


def _row(r: Any) -> SummaryRow:
    return SummaryRow(
        group=None if r["total"] else r["key"], assigned=r["assigned"], touched=r["touched"],
        touched_on_time=r["touched_on_time"], touched_on_time_pct=percent(r["touched_on_time"], r["touched"]),
        median_minutes_to_first_touch=_minutes(r["median_minutes"]),
        p90_minutes_to_first_touch=_minutes(r["p90_minutes"]),
        open=r["open"], breached=r["breached"], reassigned=r["reassigned"], unworked=r["unworked"])


async def sla_summary(reports: SlaReports, group_by: str, since: datetime, until: datetime) -> SlaSummary:
    """Per-group follow-up figures of the assignments routed in [since, until), with totals."""
    raw = await reports.summary(group_by, since, until)
    # The totals come from the empty grouping set, which yields a row even for an empty window.
    totals = next(_row(r) for r in raw if r["total"])
    return SlaSummary(group_by=group_by, since=since, until=until,
                      rows=[_row(r) for r in raw if not r["total"]], totals=totals)


async def commitments(reports: SlaReports, agreement: Any, since: datetime, until: datetime) -> CommitmentsReport:
    """Marketing's side: weekly sales-ready volume and acceptance, against the active agreement."""
    doc = agreement.document if agreement is not None else None
    zone = calendar_zone(agreement)
    per_week = doc.commitments.sales_ready_per_week if doc else None
    minimum = doc.commitments.min_acceptance_rate if doc else None
    counts = await reports.sales_ready_by_week(since, until, zone)
    weeks = [WeekVolume(week_start=monday, starts_at=start, sales_ready=counts.get(monday, 0), commitment=per_week,
                        met=met(counts.get(monday, 0), per_week), complete=since <= start and end <= until)
             for monday, start, end in weeks_between(since, until, zone)]
    accepted, rejected = await reports.decisions(since, until)
    rate = ratio(accepted, accepted + rejected)
    reasons = [RejectionCount(**dict(r), listed=None if doc is None else r["reason"] in doc.rejection_reasons)
               for r in await reports.rejection_reasons(since, until)]
    return CommitmentsReport(
        since=since, until=until, time_zone=zone, agreement_version=agreement.version if agreement else None,
        sales_ready_total=sum(w.sales_ready for w in weeks), weeks=weeks,
        acceptance=Acceptance(accepted=accepted, rejected=rejected, rate=rate, minimum=minimum, met=met(rate, minimum)),
        rejection_reasons=reasons)


def _board_row(row: SummaryRow, due_soon: dict[str | None, int], relaxed: dict[str | None, int],
               rep: Any = None) -> BoardRow:
    return BoardRow(group=row.group, name=rep["name"] if rep else None, team=rep["team"] if rep else None,
                    assigned=row.assigned, open=row.open, due_soon=due_soon.get(row.group, 0), breached=row.breached,
                    touched=row.touched, touched_on_time_pct=row.touched_on_time_pct,
                    skills_relaxed=relaxed.get(row.group, 0),
                    unavailable_since=rep["unavailable_since"] if rep else None)


async def sla_board(reports: SlaReports, since: datetime, until: datetime) -> SlaBoard:
    """The SLA board per rep and team over leads routed in [since, until); due soon is counted from `until`."""
    by_rep, by_team = await sla_summary(reports, "rep", since, until), await sla_summary(reports, "team", since, until)
    rep_due = await reports.due_soon("rep", since, until, until + DUE_SOON)
    team_due = await reports.due_soon("team", since, until, until + DUE_SOON)
    rep_relaxed = await reports.skills_relaxed("rep", since, until)
    team_relaxed = await reports.skills_relaxed("team", since, until)
    reps = await reports.reps([r.group for r in by_rep.rows if r.group is not None])
    return SlaBoard(
        since=since, until=until, due_soon_minutes=int(DUE_SOON.total_seconds() // 60),
        reps=[_board_row(r, rep_due, rep_relaxed, reps.get(r.group) if r.group is not None else None)
              for r in by_rep.rows],
        teams=[_board_row(r, team_due, team_relaxed) for r in by_team.rows],
        totals=_board_row(by_rep.totals, {None: sum(rep_due.values())}, {None: sum(rep_relaxed.values())}),
        unavailable=[UnavailableRep(**dict(r)) for r in await reports.unavailable_reps()])
