"""The SLA figures as Prometheus gauges: a background job snapshots them, the collector reads the snapshot.

Collectors run synchronously at scrape time and the database is async, so a scrape never queries:
it shows the latest snapshot (at most `every_s` old). Every replica reports the same figures.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from prometheus_client.core import GaugeMetricFamily

from services.agreement.active import CurrentAgreement
from services.router.reporting.domain.windows import SUMMARY_WINDOW, default_commitment_window
from services.router.reporting.sla_figures import calendar_zone, commitments, sla_summary
from services.router.reporting.sla_models import CommitmentsReport, SlaSummary
from services.router.reporting.sla_queries import SlaReports
from services.shared.jobs import PeriodicJob
from services.shared.state import Clock, utc_now

log = logging.getLogger(__name__)
_PER_TIER = (  # (metric suffix, SummaryRow field, help)
    ("assigned", "assigned", "Leads assigned in the last 7 days"),
    ("touched", "touched", "Assignments of the last 7 days with a first touch"),
    ("open", "open", "Assignments of the last 7 days still open and not touched"),
    ("breached", "breached", "Assignments of the last 7 days that missed the first-touch target"),
    ("reassigned", "reassigned", "Assignments of the last 7 days moved to another rep after a breach"),
    ("unworked", "unworked", "Assignments of the last 7 days given up after the last reassignment"),
)


@dataclass(frozen=True)
class Snapshot:
    tiers: SlaSummary
    open_breaches: int
    commitments: CommitmentsReport


class SlaMetricsJob:
    """Refreshes the snapshot every `every_s` seconds until stopped."""

    def __init__(self, pool: asyncpg.Pool, agreement: CurrentAgreement, every_s: float,
                 clock: Clock = utc_now) -> None:
        self._pool = pool
        self._clock = clock
        self._agreement = agreement
        # Reporting must never stop the router: a failed refresh is logged and the next round tries again.
        self._job = PeriodicJob("SLA metrics refresh", self._step, every_s, first_after_s=every_s)
        self.name = "sla-metrics"
        self.snapshot: Snapshot | None = None

    def stop(self) -> None:
        self._job.stop()

    async def refresh(self, now: datetime | None = None) -> Snapshot:
        now = now or self._clock()
        agreement = self._agreement()
        async with self._pool.acquire() as conn:
            reports = SlaReports(conn)
            tiers = await sla_summary(reports, "tier", now - SUMMARY_WINDOW, now)
            since, until = default_commitment_window(now, None, calendar_zone(agreement))
            report = await commitments(reports, agreement, since, until)
            self.snapshot = Snapshot(tiers, await reports.open_breach_count(), report)
        return self.snapshot

    async def refresh_safely(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:  # reporting must never stop the router; the next round tries again
            log.warning("SLA metrics refresh failed", extra={"error": repr(exc)})

    async def run(self) -> None:
        await self._job.run()

    async def _step(self) -> bool:
        await self.refresh()
        return False


class SlaCollector:
    """Yields the latest snapshot; nothing before the first refresh succeeded."""

    def __init__(self, job: SlaMetricsJob) -> None:
        self._job = job

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self._job.snapshot
        if snap is None:
            return
        yield from self._per_tier(snap.tiers)
        yield GaugeMetricFamily("handoff_sla_open_breaches", "Breached assignments still not touched",
                                value=snap.open_breaches)
        report = snap.commitments
        this_week = report.weeks[-1] if report.weeks else None
        yield GaugeMetricFamily("handoff_sales_ready_this_week", "Qualifications handed to sales this week",
                                value=this_week.sales_ready if this_week else 0)
        acceptance = report.acceptance
        optional = (
            ("handoff_sales_ready_weekly_commitment", "The agreement's sales-ready leads per week",
             this_week.commitment if this_week else None),
            ("handoff_acceptance_rate", "Accepted share of first decisions in the last 4 weeks", acceptance.rate),
            ("handoff_acceptance_rate_minimum", "The agreement's minimum acceptance rate", acceptance.minimum),
        )
        for name, help_text, value in optional:
            if value is not None:  # no agreement, or nothing decided yet: no sample rather than a false 0
                yield GaugeMetricFamily(name, help_text, value=value)

    @staticmethod
    def _per_tier(summary: SlaSummary) -> Iterator[GaugeMetricFamily]:
        families = {field: GaugeMetricFamily(f"handoff_sla_{suffix}", help_text, labels=["tier"])
                    for suffix, field, help_text in _PER_TIER}
        on_time = GaugeMetricFamily("handoff_sla_touched_on_time_ratio",
                                    "Share of first touches on time, last 7 days", labels=["tier"])
        minutes = GaugeMetricFamily("handoff_sla_first_touch_business_minutes",
                                    "Business minutes to first touch, last 7 days", labels=["tier", "quantile"])
        for row in summary.rows:
            tier = row.group
            assert tier is not None  # router.assignments.tier is NOT NULL; only the totals have no group
            for field, family in families.items():
                family.add_metric([tier], getattr(row, field))
            if row.touched_on_time_pct is not None:
                on_time.add_metric([tier], row.touched_on_time / row.touched)
            quantiles = (("0.5", row.median_minutes_to_first_touch), ("0.9", row.p90_minutes_to_first_touch))
            for quantile, value in quantiles:
                if value is not None:
                    minutes.add_metric([tier, quantile], value)
        yield from (*families.values(), on_time, minutes)
