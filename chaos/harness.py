"""One chaos run: its own database and topics, four service processes, load, faults, then the checks."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from chaos.checks import run_checks
from chaos.config import ChaosConfig
from chaos.crm import CrmPlan, Routed, plan_crm
from chaos.drive import HarnessError, Poster, send_crm, send_engagement
from chaos.faults import FaultRunner, plan_faults
from chaos.fleet import Fleet
from chaos.generate import Workload, generate
from chaos.kafka_io import Sender, read_topic
from chaos.logscan import causes, warning_counts
from chaos.observe import observe, settle
from chaos.reference import expected_scores
from chaos.report import Report
from schemas.topics import Topic
from services.agreement.document import AgreementDocument
from services.shared.config import Settings
from services.shared.db import connect
from tests.support.isolated import isolated_stack
from tests.support.stack import ROOT

ADMIN_KEY = "chaos-admin-key"
REPS = Path(__file__).resolve().parent / "reps.yaml"
LOGS = ROOT / ".run" / "chaos-logs"

Progress = Callable[[str], None]


async def _agreement(database_url: str) -> AgreementDocument:
    """The active agreement exactly as the scorer loads it."""
    conn = await connect(database_url)
    try:
        document = await conn.fetchval("SELECT document FROM scorer.agreements WHERE status = 'active'")
    finally:
        await conn.close()
    return AgreementDocument.model_validate(document)


def _service_env(settings: Settings) -> dict[str, str]:
    return {"HANDOFF_DATABASE_URL": settings.database_url, "HANDOFF_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "HANDOFF_TOPIC_PREFIX": settings.topic_prefix, "HANDOFF_ADMIN_KEY": ADMIN_KEY,
            "HANDOFF_OUTBOX_IDLE_WAIT_S": "0.5", "HANDOFF_LOG_LEVEL": "WARNING"}


async def _routed(settings: Settings) -> list[Routed]:
    """The routed leads, once each (a re-published copy carries the same event id)."""
    seen: dict[str, Routed] = {}
    for record in await read_topic(settings.kafka_bootstrap, settings.topic(Topic.ROUTED)):
        event = orjson.loads(record.value)
        d = event["data"]
        seen[event["id"]] = Routed(d["lead_key"], d["rep_id"], d["assignment_id"], d["qualification_id"])
    return list(seen.values())


def _did(cfg: ChaosConfig, w: Workload, plan: CrmPlan | None, sender: Sender, poster: Poster,
         timings: dict[str, float], logs: list[Path]) -> list[tuple[str, str]]:
    kinds = sorted({k for k in w.poison_keys.values()})
    rows = [
        ("service processes", "2 scorers + 2 routers (handoff serve)"),
        ("engagement events (valid, distinct)", f"{len(w.events):,} over {len(w.leads):,} leads"),
        ("redelivered duplicates (same source+id)", f"{sum(r.kind == 'duplicate' for r in w.records):,}"),
        ("poison records", f"{len(w.poison_keys):,} ({', '.join(kinds)})"),
        ("via POST /v1/events (rest straight to Kafka)", f"{sum(r.path == 'http' for r in w.records):,} records"),
        ("engagement phase", f"sent in {timings.get('send1', 0):.0f}s at {cfg.rate:,.0f}/s, "
                             f"settled {timings.get('settle1', 0):.0f}s later"),
    ]
    if plan is not None:
        copies = sum(a.copy for a in plan.activities)
        rows += [
            ("CRM activities (distinct + copies)", f"{plan.distinct:,} + {copies:,} "
                                                   f"({sum(a.path == 'http' for a in plan.activities):,} via HTTP)"),
            ("CRM phase", f"sent in {timings.get('send2', 0):.0f}s at {cfg.crm_rate:,.0f}/s, "
                          f"settled {timings.get('settle2', 0):.0f}s later"),
        ]
    rows.append(("sent again after a failure", f"{sender.resent:,} to Kafka, {poster.retries:,} HTTP retries"))
    signs = {label: str(n) for label, n in warning_counts(logs).items()}
    if "batches isolated" in signs:  # why: a poison record, or a database error taken for one
        why = causes(logs, "batches isolated").most_common()
        signs["batches isolated"] += " (" + ", ".join(f"{error} {n}" for error, n in why) + ")"
    rows.append(("service logs: faults absorbed",
                 ", ".join(f"{label} {n}" for label, n in sorted(signs.items())) or "no warnings"))
    return rows


async def _phases(cfg: ChaosConfig, s: Settings, workload: Workload, doc: AgreementDocument, fleet: Fleet,
                  runner: FaultRunner, sender: Sender, poster: Poster, timings: dict[str, float],
                  progress: Progress) -> CrmPlan:
    """Phase 1 (engagement) and phase 2 (the CRM activities that follow), each with its faults, each
    followed by waiting until every consumer caught up; returns the CRM plan."""
    planned = len(workload.records) / cfg.rate
    progress(f"phase 1: {len(workload.records):,} engagement records over ~{planned:.0f}s, with faults")
    faults = runner.start_phase(1, planned)
    timings["send1"] = await send_engagement(workload.records, cfg.rate, s.topic(Topic.ENGAGEMENT), sender, poster)
    await faults
    progress("phase 1 sent; waiting for every consumer to catch up")
    timings["settle1"] = await settle(s, fleet, cfg.settle_timeout_s)

    routed = await _routed(s)
    plan = plan_crm(routed, doc.rejection_reasons, seed=cfg.seed, duplicate_share=cfg.crm_duplicate_share,
                    at=datetime.now(UTC).replace(microsecond=0))
    planned = len(plan.activities) / cfg.crm_rate
    progress(f"phase 2: {len(plan.activities):,} CRM activities for {len(routed):,} routed leads over ~{planned:.0f}s")
    faults = runner.start_phase(2, planned)
    timings["send2"], _ = await send_crm(plan.activities, cfg.crm_rate, s.topic(Topic.CRM_ACTIVITY), sender, poster)
    await faults
    await runner.finish()
    progress("phase 2 sent; waiting for every consumer to catch up")
    timings["settle2"] = await settle(s, fleet, cfg.settle_timeout_s)
    return plan


async def run(cfg: ChaosConfig, base: Settings, *, name: str = "chaos", progress: Progress = lambda _: None) -> Report:
    """Runs the whole scenario on database `<base db>_<name>` and topics `<name>-<hex>.*`; never raises for a
    violation (the report holds it)."""
    began, started = time.monotonic(), datetime.now(UTC)
    report = Report(cfg.as_dict(), started.strftime("%Y-%m-%dT%H:%M:%SZ"), "", "")
    progress(f"generating {cfg.events:,} events over {cfg.leads:,} leads (seed {cfg.seed})")
    workload = generate(events=cfg.events, leads=cfg.leads, duplicate_share=cfg.duplicate_share,
                        poison_share=cfg.poison_share, http_share=cfg.http_share, seed=cfg.seed, now=started)
    async with isolated_stack(base.model_copy(update={"admin_key": ADMIN_KEY}), name, REPS, started) as world:
        s = world.settings
        report.database, report.topic_prefix = s.database_url.rpartition("/")[2], s.topic_prefix
        doc = await _agreement(s.database_url)
        expected = expected_scores(doc, workload.leads, workload.events_by_lead())
        log_dir = LOGS / report.started_at.replace(":", "")
        log_dir.mkdir(parents=True, exist_ok=True)
        fleet = Fleet(_service_env(s), log_dir)
        sender, poster = Sender(s.kafka_bootstrap), Poster(fleet, {"Authorization": f"Bearer {ADMIN_KEY}"})
        runner = FaultRunner(fleet, plan_faults(cfg.kills, cfg.restart_kafka, cfg.restart_postgres, cfg.seed),
                             log_dir, began)
        timings: dict[str, float] = {}
        plan: CrmPlan | None = None
        try:
            try:
                progress(f"starting 2 scorers and 2 routers on {report.database}, topics {s.topic_prefix}*"
                         f" (logs {log_dir})")
                await fleet.start()
                plan = await _phases(cfg, s, workload, doc, fleet, runner, sender, poster, timings, progress)
            except (TimeoutError, HarnessError, RuntimeError) as exc:
                report.error = f"{exc.__class__.__name__}: {exc}"
            report.faults = sorted(runner.done, key=lambda d: d["at_s"])
            progress("checking the database and the topics")
            report.checks = run_checks(workload, expected, plan or CrmPlan([]), await observe(s, fleet))
        finally:
            runner.cancel()
            fleet.stop()
            await sender.close()
            await poster.close()
        report.did = _did(cfg, workload, plan, sender, poster, timings, fleet.logs())
    report.duration_s = round(time.monotonic() - began, 1)
    return report
