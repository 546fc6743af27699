"""The five benchmarks of the performance issue. Each returns figures, with its ceiling measured
in the same run where there is one."""

import asyncio
import random
import statistics
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import yaml
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from bench.load import (
    STRUCTURED,
    create_topic,
    engagement_event,
    engagement_records,
    lead_attributes,
    pass_through,
    produce_all,
)
from bench.world import bench_world, committed, rss_mb, start, wait_committed
from schemas.topics import Topic
from services.router.config import QUALIFIED_GROUP
from services.scorer.config import CONSUMER_GROUP


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None  # the ceiling measured in the same run
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


@dataclass
class Result:
    benchmark: str
    parameters: dict
    figures: list[Figure] = field(default_factory=list)


async def _steady_rate(world, group: str, topic: str, total: int) -> float:
    """Rate over the 5%..100% window of committed offsets, so process start-up is left out."""
    t5 = await wait_committed(world, group, topic, int(total * 0.05), interval=0.05)
    await wait_committed(world, group, topic, total, interval=0.1)
    return (total - int(total * 0.05)) / (time.monotonic() - t5)


async def _outbox_drained(world, schema: str) -> None:
    async with world.db() as conn:
        while await conn.fetchval(f"SELECT count(*) FROM {schema}.outbox"):
            await asyncio.sleep(0.1)


async def _service_rate(world, service: str, group: str, topic: str, total: int) -> float:
    """One `service` process over `total` pre-loaded records: its steady rate, outbox drained too.

    The rate is read from the committed offsets, so the process commits them after every batch
    (as it did before the once-a-second default): with a commit a second, the 5% mark of a
    4-second router run came a second late and the rate read several times too high."""
    proc = await start(world, service, HANDOFF_CONSUMER_COMMIT_INTERVAL_MS="0")
    try:
        rate = await _steady_rate(world, group, topic, total)
        await _outbox_drained(world, service)
    finally:
        proc.terminate()
    return rate


async def scorer_throughput(events: int, leads: int) -> Result:
    """Events/s fully processed by one scorer process vs a raw consume-and-produce pass-through."""
    result = Result("scorer_throughput", {"events": events, "leads": leads})
    async with bench_world("scorer") as world:
        topic = world.topic(Topic.ENGAGEMENT)
        await produce_all(world.bootstrap, topic, engagement_records(events, leads))
        sink = world.topic("bench.sink")
        await create_topic(world.bootstrap, sink)
        t5, t100 = await pass_through(world.bootstrap, topic, sink, events, world.settings.group("bench-pass"))
        ceiling = (events - int(events * 0.05)) / (t100 - t5)
        rate = await _service_rate(world, "scorer", CONSUMER_GROUP, topic, events)
        async with world.db() as conn:
            qualified = await conn.fetchval("SELECT count(*) FROM scorer.leads WHERE qualified_at IS NOT NULL")
    result.figures += [
        Figure("events/s (scorer, one process)", rate, "ev/s", ceiling, ">= 0.5 x pass-through and >= 20,000",
               rate >= 0.5 * ceiling and rate >= 20_000),
        Figure("leads qualified", qualified, "leads"),
    ]
    return result


def _router_reps(path: Path, reps: int, pools: int) -> Path:
    doc = {"reps": [{"rep_id": f"rep-{i}", "name": f"Rep {i}", "team": f"team-{i % pools}",
                     "manager_id": f"mgr-{i % pools}", "time_zone": "Europe/Berlin"} for i in range(reps)],
           "pools": [{"pool_id": f"pool-{p}", "name": f"Pool {p}",
                      "members": {f"rep-{i}": 1 + i % 3 for i in range(reps) if i % pools == p}} for p in range(pools)]
           + [{"pool_id": "default", "name": "Default", "members": {"rep-0": 1}}]}
    path.write_text(yaml.safe_dump(doc))
    return path


async def router_throughput(leads: int, reps: int, pools: int, tmp: Path) -> Result:
    """Routing decisions/s of one router process, with SLA timers and outbox events per decision."""
    from datetime import UTC, datetime

    from schemas.messages import QualifiedEvent
    from services.shared.cloudevents import encode
    result = Result("router_throughput", {"leads": leads, "reps": reps, "pools": pools})
    async with bench_world("router", reps=_router_reps(tmp / "router-reps.yaml", reps, pools)) as world:
        async with world.db() as conn:
            rules = [{"id": f"src-{p}", "when": [{"field": "source", "equals": f"src-{p}"}],
                      "target_pool": f"pool-{p}"} for p in range(pools)]
            await conn.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'bench')",
                               [*rules, {"id": "catch_all", "target_pool": "default"}])
        now = datetime.now(UTC)
        records = [(f"q{i}@bench.example.com".encode(), encode(QualifiedEvent(
            id=f"bench-q-{i}", source="bench", data={
                "lead_key": f"q{i}@bench.example.com", "source": f"src-{i % pools}", "qualified_at": now,
                "reason": "threshold:hot", "tier": "hot" if i % 3 else "warm", "agreement_version": 1})))
            for i in range(leads)]
        topic = world.topic(Topic.QUALIFIED)
        await produce_all(world.bootstrap, topic, records)
        rate = await _service_rate(world, "router", QUALIFIED_GROUP, topic, leads)
        async with world.db() as conn:
            timers = await conn.fetchval("SELECT count(*) FROM router.sla_timers")
    result.figures += [Figure("routing decisions/s", rate, "dec/s", None, ">= 2,000", rate >= 2000),
                       Figure("SLA timers written", timers, "rows")]
    return result


async def scorer_memory(leads: int) -> Result:
    """Resident memory of one scorer while `leads` distinct leads stream through."""
    result = Result("scorer_memory", {"leads": leads})
    async with bench_world("memory") as world:
        topic = world.topic(Topic.ENGAGEMENT)
        await produce_all(world.bootstrap, topic, engagement_records(leads, leads))
        proc = await start(world, "scorer")
        samples: list[tuple[int, float]] = []
        try:
            while (done := await committed(world, CONSUMER_GROUP, topic)) < leads:
                samples.append((done, rss_mb(proc.process.pid)))
                await asyncio.sleep(1.0)
            samples.append((leads, rss_mb(proc.process.pid)))
        finally:
            proc.terminate()
    half = [mb for done, mb in samples if done >= leads / 2] or [samples[-1][1]]
    peak = max(mb for _, mb in samples)
    result.figures += [Figure("peak RSS", peak, "MB", None, "<= 300 MB", peak <= 300),
                       Figure("RSS at end", samples[-1][1], "MB"),
                       Figure("RSS change over the second half", half[-1] - half[0], "MB", None, "flat", None),
                       Figure("median RSS", statistics.median(mb for _, mb in samples), "MB")]
    return result


# --- hot keys (issue #17): one lead, one company, against the same events spread -------------------

HOT_LEAD = "hot@onelead-example.com"


def page_views(emails: list[str], seed: int = 17) -> list:
    """One page view per entry of `emails` (a lead may repeat), in time order over the last 7 days,
    keyed by lead; each lead's first event carries its attributes, as engagement_records' do."""
    rng = random.Random(seed)
    start, step = datetime.now(UTC) - timedelta(days=7), timedelta(seconds=604800 / max(1, len(emails)))
    seen: set[str] = set()
    out = []
    for n, email in enumerate(emails):
        attributes = None if email in seen else lead_attributes(rng, n)
        seen.add(email)
        event = engagement_event(email, "page_view", start + n * step, attributes)
        event["data"]["url"] = f"https://www.handoff-example.com/docs/{n % 50}"
        out.append((email.encode(), orjson.dumps(event)))
    return out


async def produce_placed(bootstrap: str, topic: str, records: list) -> list[tuple[int, int]]:
    """Like produce_all, and returns where each record landed: (partition, offset), in input order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20,
                                max_batch_size=256 * 1024, compression_type=None)
    await producer.start()
    placed: list[tuple[int, int]] = []
    try:
        for chunk in range(0, len(records), 5000):
            pending = [await producer.send(topic, value, key=key, headers=STRUCTURED)
                       for key, value in records[chunk:chunk + 5000]]
            placed += [(meta.partition, meta.offset) for meta in await asyncio.gather(*pending)]
    finally:
        await producer.stop()
    return placed


async def _committed_by_partition(world, group: str, topic: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=world.bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(world.settings.group(group))
        return {tp.partition: max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic == topic}
    finally:
        await admin.close()


async def _subset_rate(world, group: str, topic: str, placed: list[tuple[int, int]],
                       timeout: float = 1800) -> tuple[float, float]:
    """The rate of a subset of a topic's records (those at `placed`) over the 5%..100% window of
    them below the committed offsets: a record counts as done once its partition's committed
    offset has passed it. With every record of the topic in `placed`, this is _steady_rate.
    Returns (rate, monotonic time all were done)."""
    by_partition: dict[int, list[int]] = {}
    for partition, offset in placed:
        by_partition.setdefault(partition, []).append(offset)
    for offsets in by_partition.values():
        offsets.sort()
    total, t5 = len(placed), None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        committed_at = await _committed_by_partition(world, group, topic)
        done = sum(bisect_left(offsets, committed_at.get(p, 0)) for p, offsets in by_partition.items())
        now = time.monotonic()
        if t5 is None and done >= int(total * 0.05):
            t5 = now
        if done >= total:
            return (total - int(total * 0.05)) / (now - t5), now
        await asyncio.sleep(0.05 if t5 is None else 0.1)
    raise TimeoutError(f"{group} did not get through {total} records on {topic} in {timeout}s")


async def _rebuilds(proc) -> float:
    """Leads the scorer rebuilt from their stored history (handoff_scorer_rebuilds, all reasons)."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{proc.url}/metrics")).text
    return sum(float(line.rpartition(" ")[2]) for line in text.splitlines()
               if line.startswith("handoff_scorer_rebuilds_total"))


@dataclass
class _Run:
    rate: float  # records/s of the measured ones, 5%..100% window
    measured: int
    rebuilds: float
    scored: int  # rows in scorer.lead_scores at the end
    qualified: int  # leads qualified (each one a handoff.lead.qualified record through the outbox)
    account_total: float | None  # scorer.account_states' total of the busiest account


async def _hot_run(name: str, records: list, measured: list[int] | None = None) -> _Run:
    """`records` pre-loaded on the engagement topic of a fresh world, then one scorer process (offsets
    committed after every batch, as _service_rate does); the rate of the records at indices `measured`
    (all of them by default), then waits until the outbox is drained."""
    async with bench_world(name) as world:
        topic = world.topic(Topic.ENGAGEMENT)
        placed = await produce_placed(world.bootstrap, topic, records)
        subset = placed if measured is None else [placed[i] for i in measured]
        proc = await start(world, "scorer", HANDOFF_CONSUMER_COMMIT_INTERVAL_MS="0")
        try:
            rate, _ = await _subset_rate(world, CONSUMER_GROUP, topic, subset)
            await wait_committed(world, CONSUMER_GROUP, topic, len(records), interval=0.1)
            await _outbox_drained(world, "scorer")
            rebuilds = await _rebuilds(proc)
        finally:
            proc.terminate()
        async with world.db() as conn:
            scored = await conn.fetchval("SELECT count(*) FROM scorer.lead_scores")
            qualified = await conn.fetchval("SELECT count(*) FROM scorer.leads WHERE qualified_at IS NOT NULL")
            account = await conn.fetchval("SELECT max(total) FROM scorer.account_states")
    return _Run(rate, len(subset), rebuilds, scored, qualified, account)


async def hot_keys(events: int) -> Result:
    """`events` page views (a) for one lead, (b) over as many contacts of one company, (c) over as many
    leads of as many companies, each in a fresh world through one scorer; and (d) the events of (c)
    with a hot-key stream woven in (every fifth record one more page view of a single lead: a quarter
    as many again), the rate of (c)'s events there against (c) alone."""
    hot = events // 4
    one_lead = [HOT_LEAD] * events
    one_company = [f"c{i}@onecorp-example.com" for i in range(events)]
    spread = [f"l{i}@co{i}-example.com" for i in range(events)]
    mixed, ordinary = [], []
    it = iter(spread)
    for n in range(events + hot):
        if n % 5 == 4 and len(mixed) - len(ordinary) < hot:
            mixed.append(HOT_LEAD)
        else:
            ordinary.append(len(mixed))
            mixed.append(next(it))
    result = Result("hot_keys", {"events": events, "hot_in_mix": hot, "timing": "committed offsets, 5%..100%"})
    a = await _hot_run("hot_lead", page_views(one_lead))
    b = await _hot_run("hot_account", page_views(one_company))
    c = await _hot_run("hot_spread", page_views(spread))
    d = await _hot_run("hot_mixed", page_views(mixed), ordinary)
    secs = {k: events / r.rate for k, r in (("a", a), ("b", b), ("c", c))}
    result.figures += [
        Figure("(a) one lead", a.rate, "ev/s"),
        Figure("(b) one company", b.rate, "ev/s"),
        Figure("(c) N leads of N companies", c.rate, "ev/s"),
        Figure(f"(a) one lead: s per {events:,}", secs["a"], "s", secs["c"], "<= 1.5 x (c)",
               secs["a"] <= 1.5 * secs["c"]),
        Figure(f"(b) one company: s per {events:,}", secs["b"], "s", secs["c"], "<= 1.5 x (c)",
               secs["b"] <= 1.5 * secs["c"]),
        Figure("(d) the events of (c) amid a hot key", d.rate, "ev/s", c.rate,
               ">= 0.8 x (c)", d.rate >= 0.8 * c.rate),
        Figure("leads rebuilt from history, a-d", a.rebuilds + b.rebuilds + c.rebuilds + d.rebuilds,
               "leads"),
    ]
    result.parameters["checks"] = {k: {"scored_leads": r.scored, "qualified_leads": r.qualified,
                                       "busiest_account_total": r.account_total, "rebuilds": r.rebuilds}
                                   for k, r in (("a", a), ("b", b), ("c", c), ("d", d))}
    return result
