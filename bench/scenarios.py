"""The five benchmarks of the performance issue. Each returns figures, with its ceiling measured
in the same run where there is one."""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.load import create_topic, engagement_records, pass_through, produce_all
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
