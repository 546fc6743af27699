"""A benchmark's own world on the local stack: database, topic prefix, service processes.

Reuses the test suite's isolated stack (same real Kafka and PostgreSQL, nothing shared with the
dev database or a test run), so a benchmark can be run next to `make run`.
"""

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from tests.support.isolated import EXAMPLE_AGREEMENT, Isolated, isolated_stack
from tests.support.stack import ROOT, TEST_ADMIN_KEY, ServiceProcess, start_service, wait_ready
from services.shared.config import Settings, load_settings

LOGS = ROOT / ".run" / "bench-logs"
ONE_REP = ROOT / "tests" / "data" / "one-rep.yaml"


@asynccontextmanager
async def bench_world(name: str, reps: Path = ONE_REP, agreement: Path = EXAMPLE_AGREEMENT) -> AsyncIterator[Isolated]:
    base = load_settings(Settings).model_copy(update={"admin_key": TEST_ADMIN_KEY})
    async with isolated_stack(base, f"bench_{name}", reps, datetime.now(UTC), agreement=agreement) as world:
        yield world


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


def machine() -> dict:
    pom = (ROOT / "deploy" / "local" / "kafka" / "pom.xml").read_text()
    kafka = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    return {"cpus": os.cpu_count(), "python": os.sys.version.split()[0], "kafka": kafka.group(1) if kafka else None,
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}
