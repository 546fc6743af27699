"""Benchmarks through HTTP: ingest requests/s next to a bare endpoint, end-to-end routing latency."""

import asyncio
import gc
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
import orjson
from aiokafka import AIOKafkaConsumer

from bench.load import engagement_event, lead_attributes
from bench.raw_http import RawHttpPool
from bench.scenarios import Figure, Result
from bench.world import LOGS, bench_world, cpu_seconds, start
from schemas.topics import Topic
from tests.support.stack import ROOT, TEST_ADMIN_KEY, free_port

HEADERS = {"authorization": f"Bearer {TEST_ADMIN_KEY}", "content-type": "application/cloudevents+json"}


def _event_body(activity: str = "page_view") -> bytes:
    import random
    from datetime import UTC, datetime
    email = f"ing-{uuid.uuid4().hex[:12]}@bench-{uuid.uuid4().hex[:6]}-example.com"
    return orjson.dumps(engagement_event(email, activity, datetime.now(UTC), lead_attributes(random.Random(), 0)))


async def _closed_loop_rps(url: str, seconds: float, concurrency: int) -> float:
    """Completed 202s per second with `concurrency` clients posting one event each, back to back."""
    bodies = [_event_body() for _ in range(2000)]
    done = 0
    deadline = time.monotonic() + seconds

    async def client_loop(client: RawHttpPool, offset: int) -> None:
        nonlocal done
        i = offset
        while time.monotonic() < deadline:
            if await client.post(bodies[i % len(bodies)]) == 202:
                done += 1
            i += concurrency

    async with RawHttpPool(url, concurrency, HEADERS) as client:
        began = time.monotonic()
        await asyncio.gather(*(client_loop(client, k) for k in range(concurrency)))
        return done / (time.monotonic() - began)


async def _hop_times(world, keys: set[bytes]) -> dict[str, list[float]]:
    """Per lead: engagement -> qualified (the scorer's hop) and qualified -> routed (the router's)."""
    stamps: dict[str, dict[bytes, int]] = {}
    for topic in (Topic.ENGAGEMENT, Topic.QUALIFIED, Topic.ROUTED):
        consumer = AIOKafkaConsumer(world.topic(topic), bootstrap_servers=world.bootstrap,
                                    auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        seen: dict[bytes, int] = {}
        try:
            ends = await consumer.end_offsets(list(consumer.assignment()) or
                                              [tp for tp in await _partitions(consumer, world.topic(topic))])
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                for recs in (await consumer.getmany(timeout_ms=500)).values():
                    for r in recs:
                        if r.key in keys:
                            seen.setdefault(r.key, r.timestamp)
        finally:
            await consumer.stop()
        stamps[topic] = seen
    e, q, r = stamps[Topic.ENGAGEMENT], stamps[Topic.QUALIFIED], stamps[Topic.ROUTED]
    return {"scorer hop (engagement -> qualified)": [float(q[k] - e[k]) for k in q if k in e],
            "router hop (qualified -> routed)": [float(r[k] - q[k]) for k in r if k in q]}


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list:
    from aiokafka.structs import TopicPartition
    for _ in range(50):
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return [TopicPartition(topic, p) for p in parts]
        await asyncio.sleep(0.1)
    return []


def _start_bare() -> tuple[subprocess.Popen, str]:
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--port", str(port),
                             "--log-level", "warning", "--no-access-log"], cwd=ROOT,
                            stdout=open(LOGS / "bare.log", "wb"), stderr=subprocess.STDOUT, env=os.environ)
    return proc, f"http://127.0.0.1:{port}"


async def _wait_http(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(100):
            try:
                await client.get(url)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)


async def ingest_rps(seconds: float, concurrency: int) -> Result:
    """POST /v1/events (202 after the broker's ack) vs a bare 202 endpoint, one uvicorn worker each.

    The figure held against the ceiling is an HTTP-only scorer replica (`HANDOFF_RUN_CONSUMERS=false`,
    the ingest tier), which like the bare endpoint does nothing but answer requests; the all-in-one
    scorer, which also scores every event it accepts in the same process, is shown beside it."""
    result = Result("ingest", {"seconds": seconds, "concurrency": concurrency})
    bare, bare_url = _start_bare()
    try:
        await _wait_http(bare_url + "/docs")
        ceiling = await _closed_loop_rps(bare_url + "/v1/events", seconds, concurrency)
    finally:
        bare.terminate()
        bare.wait()
    rates = {}
    async with bench_world("ingest") as world:
        for tier, env in (("http-only replica", {"HANDOFF_RUN_CONSUMERS": "false"}), ("all-in-one", {})):
            scorer = await start(world, "scorer", **env)
            try:
                rates[tier] = await _closed_loop_rps(scorer.url + "/v1/events", seconds, concurrency)
            finally:
                scorer.terminate()
    rate = rates["http-only replica"]
    result.figures.append(Figure("requests/s (202 after ack), http-only replica", rate, "req/s", ceiling,
                                 ">= 0.5 x bare endpoint", rate >= 0.5 * ceiling))
    result.figures.append(Figure("requests/s, all-in-one scorer (also scoring)", rates["all-in-one"], "req/s",
                                 ceiling))
    return result


def _latency_bodies(count: int, tag: str, seed: int) -> list[tuple[bytes, bytes]]:
    """(key, body) of `count` qualifying demo requests, each from a new lead."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        email = f"{tag}{i}-{uuid.uuid4().hex[:6]}@{tag}{i}-example.com"
        out.append((email.encode(), orjson.dumps(engagement_event(
            email, "demo_request", datetime.now(UTC),
            {**lead_attributes(rng, i), "title": "VP Sales", "employees": 200}))))
    return out


async def _open_loop(client: RawHttpPool, prepared: list[tuple[bytes, bytes]], rate: float,
                     accepted: dict[bytes, float], failed: list[bytes]) -> None:
    """Sends at `rate` per second whatever the answers take; records when each 202 arrived."""
    async def one(body: bytes, key: bytes) -> None:
        try:
            status = await client.post(body)
        except (OSError, ValueError, asyncio.IncompleteReadError):
            failed.append(key)
            return
        if status == 202:
            accepted[key] = time.monotonic()
        else:
            failed.append(key)

    tasks, began = [], time.monotonic()
    for i, (key, body) in enumerate(prepared):
        await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(body, key)))
    await asyncio.gather(*tasks)


async def _all_seen(seen: dict[bytes, float], accepted: dict[bytes, float], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(seen.keys() & accepted.keys()) < len(accepted) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def routing_latency(rate: float, seconds: float, warmup: float = 5.0) -> Result:
    """Open loop: `rate` qualifying events/s; time from the 202 to the routed record seen.

    The first `warmup` seconds at the same rate are sent and routed before the clock starts and
    are not counted: they pay for the consumer groups settling, the pools' first connections and
    the first plans of each statement, which a running service paid long ago.
    """
    result = Result("latency", {"rate_per_s": rate, "seconds": seconds, "warmup_s": warmup})
    async with bench_world("latency") as world:
        scorer, router = await start(world, "scorer"), await start(world, "router")
        consumer = AIOKafkaConsumer(world.topic(Topic.ROUTED), bootstrap_servers=world.bootstrap,
                                    auto_offset_reset="latest", group_id=None)
        await consumer.start()
        await consumer.seek_to_end()
        accepted: dict[bytes, float] = {}
        seen: dict[bytes, float] = {}
        failed: list[bytes] = []
        warm_accepted: dict[bytes, float] = {}
        warm_failed: list[bytes] = []

        async def watch() -> None:
            while True:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.monotonic()
                for recs in batch.values():
                    for r in recs:
                        seen.setdefault(r.key, now)

        watcher = asyncio.create_task(watch())
        try:
            # built before the clock starts: the generator shares the cores it measures
            warming = _latency_bodies(int(rate * warmup), "warm", 5)
            prepared = _latency_bodies(int(rate * seconds), "lat", 3)
            gc.freeze()  # the generator's own full collections (the prepared bodies) would pause its clock
            async with RawHttpPool(scorer.url + "/v1/events", 64, HEADERS) as client:
                await _open_loop(client, warming, rate, warm_accepted, warm_failed)
                await _all_seen(seen, warm_accepted, 30)
                began = time.monotonic()
                cpu0 = {p.name: cpu_seconds(p.process.pid) for p in (scorer, router)}
                await _open_loop(client, prepared, rate, accepted, failed)
            await _all_seen(seen, accepted, 30)
            cpu1 = {p.name: cpu_seconds(p.process.pid) for p in (scorer, router)}
        finally:
            watcher.cancel()
            await consumer.stop()
            scorer.terminate()
            router.terminate()
        hops = await _hop_times(world, set(accepted))
    latencies = sorted((seen[k] - t) * 1000 for k, t in accepted.items() if k in seen)
    missing = len(accepted) - len(latencies)
    slow_seconds = sorted({int(t - began) for k, t in accepted.items() if k in seen and seen[k] - t > 0.1})

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")
    result.figures += [Figure("p50", pct(0.50), "ms"), Figure("p95", pct(0.95), "ms"),
                       Figure("p99", pct(0.99), "ms", None, "<= 100 ms", pct(0.99) <= 100),
                       Figure("max", latencies[-1] if latencies else float("nan"), "ms"),
                       Figure("routed / accepted", len(latencies), f"of {len(accepted)}", None, "all", missing == 0),
                       Figure("requests refused or failed", len(failed) + len(warm_failed), "req", None, "0",
                              not failed and not warm_failed),
                       # where in the run the events over 100 ms were: one stall, or spread out
                       Figure("seconds with an event over 100 ms", len(slow_seconds), f"of {int(seconds)}")]
    # What each event costs the services, a figure the box's speed moves less than the latencies.
    for name in ("scorer", "router"):
        if cpu0.get(name) is not None and cpu1.get(name) is not None and accepted:
            result.figures.append(Figure(f"{name} CPU per event", (cpu1[name] - cpu0[name]) / len(accepted) * 1000,
                                         "ms"))
    for hop, values in hops.items():  # where the time goes, from the records' broker timestamps
        values.sort()
        if values:
            result.figures += [Figure(f"{hop} p50", values[len(values) // 2], "ms"),
                               Figure(f"{hop} p99", values[min(len(values) - 1, int(0.99 * len(values)))], "ms")]
    return result
