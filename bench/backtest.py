"""The backtest benchmark of issue #17: stored engagement replayed under two agreement versions by a
backtest job in its own OS process, against a plain server-side-cursor read of the same rows."""

import asyncio
import os
import random
import resource
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
import yaml

from bench.load import INDUSTRIES, MIX, TITLES
from bench.scenarios import Figure, Result
from bench.world import bench_world, machine_cpu_seconds, rss_mb, service_env
from services.agreement.document import AgreementDocument
from services.agreement.text import dump_agreement
from services.scorer.agreements.store import AgreementRepository
from services.scorer.backtest import history
from services.scorer.backtest.jobs import JobRepository, job_command
from services.scorer.scoring.domain.scoring import LeadProfile, account_key
from services.shared.db import create_pool
from tests.support.isolated import EXAMPLE_AGREEMENT, Isolated
from tests.support.stack import ROOT

DAYS = 90  # the stored history spans this many days before the run
WINDOW_DAYS = 30  # the backtest's [since, until): the last 30 days (events before it build the states)
CONTACTS_PER_COMPANY = 5
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.co.uk", "web.de")
SOURCES = ("hubspot", "mautic", "segment", "api")
CAMPAIGNS = ("spring-launch", "webinar-q3", "retargeting", "newsletter")
COPY_CHUNK = 50_000
_EVENT_COLUMNS = ("event_key", "lead_key", "source", "activity", "campaign", "occurred_at", "payload")
_LEAD_COLUMNS = ("lead_key", "email", "source", "lifecycle", "attributes", "first_seen_at", "last_engaged_at",
                 "account_key")


def draft_document() -> dict[str, Any]:
    """A second version that differs where a marketing team would tune: pricing and page views worth more,
    a shorter half-life, a smaller account share and lower thresholds."""
    doc = yaml.safe_load(EXAMPLE_AGREEMENT.read_text())
    doc["name"] = "Example, tuned (bench draft)"
    engagement = doc["engagement"]
    engagement["half_life_days"] = 21
    engagement["account"]["weight"] = 0.3
    points = {"pricing_page": (15, 30), "pricing_view": (15, 30), "page_view": (2, 12), "webinar": (20, None)}
    for rule in engagement["rules"]:
        if rule["id"] in points:
            rule["points"], cap = points[rule["id"]]
            if cap is not None:
                rule["cap"]["points"] = cap
    doc["sales_ready"]["tiers"] = [{"name": "hot", "min_fit": 55, "min_engagement": 50},
                                   {"name": "warm", "min_fit": 40, "min_engagement": 30}]
    return dump_agreement(AgreementDocument.model_validate(doc))


@dataclass(frozen=True)
class _Lead:
    email: str
    attributes: dict[str, Any]


def _leads(count: int, rng: random.Random) -> list[_Lead]:
    """`count` leads: nine in ten at companies of CONTACTS_PER_COMPANY contacts each (one account per company),
    one in ten on free mail, half of those without a company (disqualified under both versions)."""
    companies: dict[int, dict[str, Any]] = {}
    out = []
    for i in range(count):
        if i % 10 == 9:
            attributes: dict[str, Any] = {"title": rng.choice(TITLES), "country": rng.choice(("DE", "US", "BR"))}
            if i % 20 == 9:
                attributes["company"] = f"Freelance {i}"
            out.append(_Lead(f"l{i}@{FREE_MAIL[i % len(FREE_MAIL)]}", attributes))
            continue
        company = i // CONTACTS_PER_COMPANY
        firm = companies.setdefault(company, {
            "company": f"Company {company}", "employees": rng.choice((3, 40, 200, 1200, 8000)),
            "industry": rng.choice((*INDUSTRIES, "saas", "fintech")),
            "country": rng.choice(("DE", "US", "FR", "GB", "BR", "NL"))})
        out.append(_Lead(f"l{i}@co{company}-example.com", {**firm, "title": rng.choice(TITLES)}))
    return out


def _touch_fields(activity: str, rng: random.Random) -> tuple[str | None, str | None]:
    """(url, form) as the tools send them: a page view's url (pricing one time in six), a form's name."""
    if activity in ("page_view", "pricing_view"):
        path = "pricing" if activity == "pricing_view" or rng.random() < 1 / 6 else f"docs/{rng.randrange(40)}"
        return f"https://www.handoff-example.com/{path}", None
    if activity == "form_submit":
        return None, rng.choice(("Contact us", "Newsletter signup", "Ebook download", "Contact sales"))
    return None, None


def stored_rows(events: int, leads: list[_Lead], until: datetime, seed: int = 17
                ) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """(engagement rows, lead rows) in COPY_CHUNK chunks, in the form the scorer stores them
    (ScorerRepository.record_engagements): event key `source#id`, the payload as EngagementRecorded's
    model_dump(mode="json"), a lead row at each lead's first event. Events are in time order, as they
    arrive, each for a lead picked at random; the first one of a lead carries its attributes."""
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    start = until - timedelta(days=DAYS)
    step = DAYS * 86_400 / events
    first_seen: set[int] = set()
    chunk: list[tuple] = []
    lead_rows: list[tuple] = []
    for n in range(events):
        i = rng.randrange(len(leads))
        lead = leads[i]
        at = start + timedelta(seconds=n * step + rng.random() * step)
        activity = rng.choices(kinds, weights)[0]
        url, form = _touch_fields(activity, rng)
        campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.3 else None
        source = SOURCES[i % len(SOURCES)]
        attributes = {} if i in first_seen else lead.attributes
        payload = {"source": source, "activity": activity, "occurred_at": at.isoformat(), "email": lead.email,
                   "external_id": None, "url": url, "form": form, "campaign": campaign, "attributes": attributes}
        event_key = f"bench#{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        chunk.append((event_key, lead.email, source, activity, campaign, at, orjson.dumps(payload).decode()))
        if i not in first_seen:
            first_seen.add(i)
            profile = LeadProfile(lead.email, lead.attributes)
            # last_engaged_at as the live scorer would leave it is the lead's last event; the first is
            # close enough for a backtest, which reads only email and attributes.
            lead_rows.append((lead.email, lead.email, source, "engaged", orjson.dumps(lead.attributes).decode(),
                              at, at, account_key(profile)))
        if len(chunk) >= COPY_CHUNK:
            yield chunk, lead_rows
            chunk, lead_rows = [], []
    if chunk or lead_rows:
        yield chunk, lead_rows


async def load_history(world: Isolated, events: int, leads: int, until: datetime) -> float:
    """Writes the stored history straight into the world's tables with COPY; returns the seconds taken."""
    began = time.monotonic()
    conn = await asyncpg.connect(world.settings.database_url)  # no jsonb codec: COPY takes the text as is
    try:
        for event_rows, lead_rows in stored_rows(events, _leads(leads, random.Random(7)), until):
            await conn.copy_records_to_table("engagement_events", schema_name="scorer", columns=_EVENT_COLUMNS,
                                             records=event_rows)
            if lead_rows:
                await conn.copy_records_to_table("leads", schema_name="scorer", columns=_LEAD_COLUMNS,
                                                 records=lead_rows)
        # As autovacuum would have left a table that old: statistics, hint bits, visibility map.
        await conn.execute("VACUUM (ANALYZE) scorer.engagement_events")
        await conn.execute("VACUUM (ANALYZE) scorer.leads")
    finally:
        await conn.close()
    return time.monotonic() - began


async def cursor_read(world: Isolated, until: datetime) -> tuple[int, float]:
    """The ceiling: the backtest's own query (history._STREAM), through a pool configured as the job's, in
    a repeatable-read read-only transaction, fetched history.CHUNK rows at a time and nothing done with
    them. Returns (rows, seconds)."""
    pool = await create_pool(world.settings.model_copy(update={"db_pool_min": 1, "db_pool_max": 1}))
    try:
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            began, rows = time.monotonic(), 0
            cursor = await conn.cursor(history._STREAM, until)
            while batch := await cursor.fetch(history.CHUNK):
                rows += len(batch)
            return rows, time.monotonic() - began
    finally:
        await pool.close()


@dataclass
class JobRun:
    seconds: float  # the job's own started_at .. finished_at
    wall_seconds: float  # the process, start-up and imports included
    peak_rss_mb: float  # ru_maxrss of the job process
    cpu_seconds: float  # its user + system time
    machine_busy: float  # cores the whole machine kept busy meanwhile (the job, PostgreSQL, anyone else)
    samples: list[tuple[float, float]]  # (seconds since start, RSS MB)
    report: dict[str, Any]


def _wait(pid: int) -> tuple[int, resource.struct_rusage]:
    _, status, usage = os.wait4(pid, 0)
    return status, usage


async def run_job(world: Isolated, draft_version: int, document: dict[str, Any], since: datetime,
                  until: datetime) -> JobRun:
    """Queues a backtest job as POST /v1/agreements/{v}/backtest does and runs its process as the scorer
    launches it (`python -m services.cli agreement backtest-job ID`); waits for it with wait4, which gives
    the process's peak RSS (ru_maxrss) and CPU time exactly, and samples its RSS twice a second meanwhile."""
    async with world.db() as conn:
        job = await JobRepository(conn).create(draft_version, document, since, until, "bench")
    env = {**os.environ, **service_env(world, HANDOFF_LOG_LEVEL="INFO")}
    began, busy_before = time.monotonic(), machine_cpu_seconds()
    proc = subprocess.Popen(job_command(job.job_id), cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    waited = asyncio.ensure_future(asyncio.to_thread(_wait, proc.pid))
    samples: list[tuple[float, float]] = []
    while not waited.done():
        try:
            samples.append((time.monotonic() - began, rss_mb(proc.pid)))
        except (FileNotFoundError, ProcessLookupError):
            pass
        await asyncio.wait([waited], timeout=0.5)
    status, usage = waited.result()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped above; Popen must not wait again
    wall = time.monotonic() - began
    busy = (machine_cpu_seconds() - busy_before) / wall
    async with world.db() as conn:
        row = await JobRepository(conn).get(job.job_id)
    if row is None or row.status != "done" or row.report is None or proc.returncode:
        raise RuntimeError(f"backtest job ended {row.status if row else None} (exit {proc.returncode}):"
                           f" {row.error if row else ''}")
    assert row.started_at and row.finished_at
    return JobRun((row.finished_at - row.started_at).total_seconds(), wall, usage.ru_maxrss / 1024,
                  usage.ru_utime + usage.ru_stime, busy, samples, row.report)


async def backtest_throughput(events: int, leads: int) -> Result:
    """`events` stored engagement events over `leads` leads, backtested (a draft against the active
    example) by one job process; events/s against a plain cursor read of the same rows, and its peak RSS."""
    until = datetime.now(UTC).replace(microsecond=0)
    since = until - timedelta(days=WINDOW_DAYS)
    result = Result("backtest", {"events": events, "leads": leads, "days": DAYS, "window_days": WINDOW_DAYS,
                                 "chunk": history.CHUNK, "contacts_per_company": CONTACTS_PER_COMPANY})
    async with bench_world("backtest") as world:
        load_s = await load_history(world, events, leads, until)
        document = draft_document()
        async with world.db() as conn:
            draft_version = await AgreementRepository(conn).create(
                document["name"], document, "json", orjson.dumps(document).decode(), "bench")
        # Read twice, the better one kept: the first read also brings the table into shared buffers.
        reads = [await cursor_read(world, until) for _ in range(2)]
        rows, read_s = min(reads, key=lambda r: r[1])
        job = await run_job(world, draft_version, document, since, until)
        rows_after, read_after_s = await cursor_read(world, until)  # the machine after, for comparison
    replayed = job.report["events_replayed"]
    if replayed != rows or rows_after != rows:
        raise RuntimeError(f"the job replayed {replayed} events, the cursor read {rows} and {rows_after}")
    ceiling = rows / read_s
    rate = replayed / job.seconds
    result.parameters["checks"] = {
        "load_seconds": round(load_s, 1), "cursor_reads_s": [round(s, 2) for _, s in reads],
        "cursor_read_after_s": round(read_after_s, 2), "job_seconds": round(job.seconds, 2),
        "job_wall_seconds": round(job.wall_seconds, 2), "job_cpu_seconds": round(job.cpu_seconds, 2),
        "machine_busy_cores_during_job": round(job.machine_busy, 2),
        "leads_replayed": job.report["leads_replayed"],
        "draft_sales_ready": job.report["draft"]["sales_ready"],
        "active_sales_ready": job.report["active"]["sales_ready"],
        "newly_qualified": len(job.report["newly_qualified"]),
        "no_longer_qualified": len(job.report["no_longer_qualified"]),
        "rss_samples_mb": [(round(t, 1), round(mb, 1)) for t, mb in job.samples[::4]],
    }
    result.figures += [
        Figure("events/s (backtest job, two versions)", rate, "ev/s", ceiling, ">= 0.3 x cursor read",
               rate >= 0.3 * ceiling),
        Figure("rows/s, plain cursor read (ceiling)", ceiling, "rows/s"),
        Figure("peak RSS of the job process", job.peak_rss_mb, "MB", None, "<= 300 MB", job.peak_rss_mb <= 300),
        Figure("job CPU share of its time", job.cpu_seconds / job.wall_seconds, "cores"),
        Figure("sales-ready in the window, draft", job.report["draft"]["sales_ready"], "leads"),
        Figure("sales-ready in the window, active", job.report["active"]["sales_ready"], "leads"),
    ]
    return result

