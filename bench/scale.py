"""The scale claim on one machine: 1, 2 and 4 scorer processes, then 1, 2 and 4 routers, each over
the same pre-loaded records in a fresh world, with their throughput and the check that nothing was
lost or doubled (docs/deploy.md, "Scale on one machine")."""

import asyncio
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.load import Record, engagement_records, produce_all
from bench.scenarios import Figure, Result, _outbox_drained, _router_reps, _steady_rate
from bench.world import LOGS, bench_world, machine_cpu_seconds, service_env
from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.router.config import QUALIFIED_GROUP
from services.scorer.config import CONSUMER_GROUP
from services.shared.cloudevents import encode
from tests.support.kafka import end_offsets
from tests.support.stack import ServiceProcess, start_service, wait_ready

SIZES = (1, 2, 4)


def _world_name(service: str, n: int) -> str:
    # The database is named after the world: another checkout's run on the same stack must not share it.
    return f"scale_{service}_{n}_{os.getpid()}"


async def _fleet(world, service: str, n: int) -> list[ServiceProcess]:
    """`n` processes of `service`, each ready (its consumer groups have given it partitions)."""
    env = service_env(world, HANDOFF_CONSUMER_COMMIT_INTERVAL_MS="0")  # offsets are the clock (_service_rate)
    procs = [start_service(service, env, LOGS) for _ in range(n)]
    await asyncio.gather(*(wait_ready(p, timeout=180) for p in procs))
    await asyncio.sleep(3)  # the last join's rebalance settles before the records come
    return procs


async def _run(world, service: str, n: int, group: str, topic: str, records: list[Record]) -> tuple[float, float]:
    """Records/s of `n` processes over `records` produced once they are all in the group, and the
    machine's busy share (of all cores) meanwhile."""
    procs = await _fleet(world, service, n)
    try:
        cpu0, t0 = machine_cpu_seconds(), time.monotonic()
        producing = asyncio.create_task(produce_all(world.bootstrap, topic, records))
        rate = await _steady_rate(world, group, topic, len(records))
        await producing
        await _outbox_drained(world, service)
        busy = (machine_cpu_seconds() - cpu0) / (time.monotonic() - t0) / (os.cpu_count() or 1)
    finally:
        for p in procs:
            p.terminate()
    return rate, busy


async def _produced(world, topic: Topic) -> int:
    return sum((await end_offsets(world.bootstrap, world.topic(topic))).values())


async def scale_scorers(events: int, leads: int, sizes: tuple[int, ...] = SIZES) -> Result:
    """The same `events` through 1, 2 and 4 scorer processes."""
    result = Result("scale_scorers", {"events": events, "leads": leads, "sizes": sizes})
    records = engagement_records(events, leads)
    base = None
    for n in sizes:
        async with bench_world(_world_name("scorer", n)) as world:
            topic = world.topic(Topic.ENGAGEMENT)
            rate, busy = await _run(world, "scorer", n, CONSUMER_GROUP, topic, records)
            async with world.db() as conn:
                stored = await conn.fetchval("SELECT count(*) FROM scorer.engagement_events")
                seen = await conn.fetchval("SELECT count(*) FROM scorer.inbox WHERE consumer = $1",
                                           CONSUMER_GROUP)  # the inbox keeps the unprefixed name
                qualified = await conn.fetchval("SELECT count(*) FROM scorer.leads WHERE qualified_at IS NOT NULL")
            published = await _produced(world, Topic.QUALIFIED)
        base = base or rate
        result.figures += [
            Figure(f"{n} scorer(s): events/s", rate, "ev/s", base if n > 1 else None),
            Figure(f"{n} scorer(s): machine busy", 100 * busy, "%"),
            Figure(f"{n} scorer(s): events stored, of {events}", stored, "events", target=str(events),
                   met=stored == events),
            Figure(f"{n} scorer(s): events in the inbox, of {events}", seen, "events", target=str(events),
                   met=seen == events),
            Figure(f"{n} scorer(s): qualifications published, of {qualified} leads qualified", published, "records",
                   target=str(qualified), met=published == qualified),
        ]
    return result


def _qualified_records(leads: int, pools: int) -> list[Record]:
    now = datetime.now(UTC)
    return [(f"q{i}@bench.example.com".encode(), encode(QualifiedEvent(
        id=f"bench-q-{i}", source="bench", data={
            "lead_key": f"q{i}@bench.example.com", "source": f"src-{i % pools}", "qualified_at": now,
            "reason": "threshold:hot", "tier": "hot" if i % 3 else "warm", "agreement_version": 1})))
        for i in range(leads)]


async def scale_routers(leads: int, reps: int, pools: int, tmp: Path) -> Result:
    """The same `leads` qualified leads through 1, 2 and 4 router processes."""
    result = Result("scale_routers", {"leads": leads, "reps": reps, "pools": pools, "sizes": SIZES})
    records = _qualified_records(leads, pools)
    reps_file = _router_reps(tmp / "scale-reps.yaml", reps, pools)
    base = None
    for n in SIZES:
        async with bench_world(_world_name("router", n), reps=reps_file) as world:
            async with world.db() as conn:
                rules = [{"id": f"src-{p}", "when": [{"field": "source", "equals": f"src-{p}"}],
                          "target_pool": f"pool-{p}"} for p in range(pools)]
                await conn.execute("INSERT INTO router.rule_sets (rules, created_by) VALUES ($1, 'bench')",
                                   [*rules, {"id": "catch_all", "target_pool": "default"}])
            rate, busy = await _run(world, "router", n, QUALIFIED_GROUP, world.topic(Topic.QUALIFIED), records)
            async with world.db() as conn:
                assigned = await conn.fetchval("SELECT count(DISTINCT qualification_id) FROM router.assignments")
                overflow = await conn.fetchval("SELECT count(*) FROM router.overflow")
            routed = await _produced(world, Topic.ROUTED)
        base = base or rate
        result.figures += [
            Figure(f"{n} router(s): decisions/s", rate, "dec/s", base if n > 1 else None),
            Figure(f"{n} router(s): machine busy", 100 * busy, "%"),
            Figure(f"{n} router(s): leads lost", leads - assigned - overflow, "leads", target="0",
                   met=assigned + overflow == leads),
            Figure(f"{n} router(s): routed events published twice", routed - assigned, "records", target="0",
                   met=routed == assigned),
        ]
    return result
