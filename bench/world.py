"""A benchmark's own world on the local stack: database, topic prefix, service processes.

Reuses the test suite's isolated stack (same real Kafka and PostgreSQL, nothing shared with the
dev database or a test run), so a benchmark can be run next to `make run`.
"""

import asyncio
import contextlib
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from services.shared.config import Settings, load_settings
from tests.support.isolated import EXAMPLE_AGREEMENT, Isolated, isolated_stack
from tests.support.stack import ROOT, TEST_ADMIN_KEY, ServiceProcess, drop_database, start_service, wait_ready

LOGS = ROOT / ".run" / "bench-logs"
ONE_REP = ROOT / "tests" / "data" / "one-rep.yaml"


@asynccontextmanager
async def bench_world(name: str, reps: Path = ONE_REP, agreement: Path = EXAMPLE_AGREEMENT) -> AsyncIterator[Isolated]:
    """A fresh world; afterwards its database is dropped, so the next benchmark does not share the
    machine with this one's autovacuum and checkpoints (a latency run right after the scorer's
    200,000 events measured twice the p50 it did on its own)."""
    base = load_settings(Settings).model_copy(update={"admin_key": TEST_ADMIN_KEY})
    async with isolated_stack(base, f"bench_{name}", reps, datetime.now(UTC), agreement=agreement) as world:
        yield world
    await drop_database(base.database_url, f"{base.database_url.rpartition('/')[2]}_bench_{name}")


def _cpu_busy(seconds: float) -> float:
    """The machine's busy share over `seconds`, from /proc/stat."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
        return values[3] + values[4], sum(values)  # idle + iowait, all
    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


async def settle(busy_below: float = 0.15, timeout_s: float = 120) -> None:
    """Flushes PostgreSQL's dirty buffers, then waits (at most `timeout_s`) for the machine to go
    quiet: the benchmark must not share the cores with the previous one's leftovers."""
    conn = await asyncpg.connect(load_settings(Settings).database_url)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and await asyncio.to_thread(_cpu_busy, 2.0) > busy_below:
        pass


def service_env(world: Isolated, **extra: str) -> dict[str, str]:
    return {"HANDOFF_DATABASE_URL": world.settings.database_url, "HANDOFF_KAFKA_BOOTSTRAP": world.bootstrap,
            "HANDOFF_TOPIC_PREFIX": world.settings.topic_prefix, "HANDOFF_ADMIN_KEY": TEST_ADMIN_KEY,
            "HANDOFF_LOG_LEVEL": "WARNING", **extra}


async def start(world: Isolated, name: str, **extra: str) -> ServiceProcess:
    proc = start_service(name, service_env(world, **extra), LOGS)
    await wait_ready(proc, timeout=120)
    return proc


async def committed(world: Isolated, group: str, topic: str) -> int:
    """Records the consumer group has committed on `topic`, summed over partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=world.bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(world.settings.group(group))
        return sum(max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic == topic)
    finally:
        await admin.close()


async def wait_committed(world: Isolated, group: str, topic: str, target: int, timeout: float = 1800,
                         interval: float = 0.25) -> float:
    """Polls until the group committed `target` records; returns the monotonic time it saw that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await committed(world, group, topic) >= target:
            return time.monotonic()
        await asyncio.sleep(interval)
    raise TimeoutError(f"{group} did not commit {target} records on {topic} in {timeout}s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system, all threads) a process has used so far, from /proc; None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()  # after the command name, which may hold spaces
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine so far (every core, all but idle and iowait), from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLOCK_TICKS  # guest time is already in user


def listening_pid(port: int) -> int | None:
    """The process listening on TCP `port` (the local Kafka broker, ...), found through its socket's inode;
    None if no process of ours (or, as root, any) listens there."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            for line in list(lines)[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rpartition(":")[2], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{cols[9]}]")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        return int(pid)
    return None


def machine() -> dict:
    pom = (ROOT / "deploy" / "local" / "kafka" / "pom.xml").read_text()
    kafka = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    return {"cpus": os.cpu_count(), "python": os.sys.version.split()[0], "kafka": kafka.group(1) if kafka else None,
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}
