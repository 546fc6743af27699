"""The SLA gauges: the job's snapshot on the real database, read through a registry of our own."""

from datetime import UTC, datetime

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.agreement.active import Versioned
from services.agreement.document import AgreementDocument
from services.router.reporting.sla_figures import commitments
from services.router.reporting.sla_metrics import SlaCollector, SlaMetricsJob
from services.router.reporting.sla_queries import SlaReports
from tests.support.agreements import example_document
from tests.support.assignments import add_assignment, add_overflow, add_rep, tag

EXAMPLE = Versioned(1, AgreementDocument.model_validate(example_document()))
NOW = datetime(2019, 5, 15, 12, tzinfo=UTC)  # a Wednesday no other test writes near


def _samples(registry: CollectorRegistry) -> dict[tuple[str, tuple], float]:
    text = generate_latest(registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def _registry(db, agreement) -> tuple[SlaMetricsJob, CollectorRegistry]:
    job = SlaMetricsJob(db, lambda: agreement, every_s=60)
    registry = CollectorRegistry()
    registry.register(SlaCollector(job))
    return job, registry


async def test_the_gauges_show_the_last_seven_days_per_tier_and_this_weeks_commitments(db):
    rep = await add_rep(db, f"met-{tag()}")
    await add_assignment(db, rep, datetime(2019, 5, 13, 10, tzinfo=UTC), touched_after=10, on_time=True,
                         outcome="accepted", outcome_at=datetime(2019, 5, 13, 12, tzinfo=UTC))
    await add_assignment(db, rep, datetime(2019, 5, 14, 10, tzinfo=UTC), touched_after=30, on_time=False,
                         breached_at=datetime(2019, 5, 14, 10, 30, tzinfo=UTC), outcome="rejected",
                         outcome_reason="no budget", outcome_at=datetime(2019, 5, 14, 12, tzinfo=UTC))
    await add_overflow(db, f"ov-{rep}", datetime(2019, 5, 14, 11, tzinfo=UTC))
    job, registry = await _registry(db, EXAMPLE)

    await job.refresh(now=NOW)
    samples = _samples(registry)

    hot = (("tier", "hot"),)
    assert samples[("handoff_sla_assigned", hot)] == 2
    assert samples[("handoff_sla_touched", hot)] == 2
    assert samples[("handoff_sla_touched_on_time_ratio", hot)] == 0.5
    assert samples[("handoff_sla_first_touch_business_minutes", (("quantile", "0.5"), ("tier", "hot")))] == 20
    assert samples[("handoff_sla_breached", hot)] == 1
    assert samples[("handoff_sales_ready_this_week", ())] == 3
    assert samples[("handoff_sales_ready_weekly_commitment", ())] == 120
    assert samples[("handoff_acceptance_rate", ())] == 0.5
    assert samples[("handoff_acceptance_rate_minimum", ())] == 0.6


async def test_nothing_is_exported_before_the_first_refresh(db):
    _, registry = await _registry(db, EXAMPLE)
    assert generate_latest(registry) == b""


async def test_without_an_agreement_the_commitment_gauges_are_absent(db):
    job, registry = await _registry(db, None)
    await job.refresh(now=datetime(2001, 1, 3, tzinfo=UTC))
    names = {name for name, _ in _samples(registry)}
    assert "handoff_sales_ready_this_week" in names
    assert not names & {"handoff_sales_ready_weekly_commitment", "handoff_acceptance_rate_minimum"}


async def test_without_an_agreement_the_report_has_null_commitments_and_utc_weeks(db):
    report = await commitments(SlaReports(db), None, datetime(2001, 1, 1, tzinfo=UTC), datetime(2001, 1, 8, tzinfo=UTC))
    assert (report.time_zone, report.agreement_version, report.weeks[0].commitment, report.weeks[0].met) == (
        "UTC", None, None, None)
    assert report.acceptance.minimum is None


async def test_the_running_router_exports_the_sla_gauges(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        text = (await client.get("/metrics")).text
    for name in ("handoff_sla_assigned", "handoff_sla_touched_on_time_ratio",
                 "handoff_sla_first_touch_business_minutes", "handoff_sla_open_breaches",
                 "handoff_sales_ready_this_week", "handoff_sales_ready_weekly_commitment",
                 "handoff_acceptance_rate_minimum"):
        assert f"# TYPE {name} gauge" in text, name
