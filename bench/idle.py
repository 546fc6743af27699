"""The stack at rest: the CPU each process takes while both services run and nothing happens.

What a deployment pays around the clock for being ready: consumer fetches, heartbeats, the
background jobs' polls, the broker answering them, PostgreSQL running their queries.
"""

import asyncio
import os
import time
from urllib.parse import urlsplit

from bench.scenarios import Figure, Result
from bench.world import bench_world, cpu_seconds, listening_pid, machine_cpu_seconds, start


def _all_processes() -> dict[int, float]:
    times = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if (used := cpu_seconds(int(pid))) is not None:
            times[int(pid)] = used
    return times


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return "?"


def _children(parent: int) -> list[int]:
    kids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if int(stat.read().rpartition(")")[2].split()[1]) == parent:
                    kids.append(int(pid))
        except OSError:
            continue
    return kids


async def _backends(world) -> set[int]:
    """The server processes of the world's database: the services' pooled connections."""
    async with world.db() as conn:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                " AND pid <> pg_backend_pid()")
    return {r["pid"] for r in rows}


async def idle_cost(seconds: float, settle_s: float = 15.0, **env: str) -> Result:
    """Both services started as `make run` starts them (`env` on top, to weigh one wake-up: e.g.
    HANDOFF_SLA_TICK_S="3600"), ready and then left alone for `settle_s`; then each process's CPU
    time over `seconds` of no traffic, as a share of one core."""
    result = Result("idle", {"seconds": seconds, "settle_s": settle_s, "cpus": os.cpu_count(), **env})
    async with bench_world("idle") as world:
        kafka = listening_pid(int(world.bootstrap.rpartition(":")[2]))
        postmaster = listening_pid(urlsplit(world.settings.database_url).port or 5432)
        scorer, router = await start(world, "scorer", **env), await start(world, "router", **env)
        try:
            await asyncio.sleep(settle_s)  # groups settled, first polls and refreshes done
            named = {"scorer": scorer.process.pid, "router": router.process.pid, "Kafka broker": kafka}
            backends = await _backends(world)
            began, machine0, before = time.monotonic(), machine_cpu_seconds(), _all_processes()
            await asyncio.sleep(seconds)
            elapsed, machine1, after = time.monotonic() - began, machine_cpu_seconds(), _all_processes()
            backends |= await _backends(world)  # one opened meanwhile used all its time in the window
            server = set(_children(postmaster)) | {postmaster} if postmaster else set()
        finally:
            scorer.terminate()
            router.terminate()

    def share(pids) -> float:
        """Percent of one core the processes used in the window (a process started in it: all its time)."""
        return sum(after[p] - before.get(p, 0.0) for p in pids if p in after) / elapsed * 100

    shares = {name: share([pid]) if pid else float("nan") for name, pid in named.items()}
    total = sum(shares.values())
    result.figures += [Figure(f"{name} process", value, "% of a core") for name, value in shares.items()]
    result.figures += [
        Figure("scorer + router + Kafka", total, "% of a core", None, "<= 3% of a core", total <= 3),
        Figure("PostgreSQL backends of the services", share(backends), "% of a core"),
        Figure("PostgreSQL, every server process", share(server) if server else float("nan"), "% of a core"),
        Figure("machine busy, all processes", (machine1 - machine0) / elapsed * 100, "% of a core"),
    ]
    # what else ran meanwhile, so a figure read later says what it shared the machine with
    ours = set(named.values()) | server | {os.getpid()}
    others = sorted(((share([p]), p) for p in after if p not in ours), reverse=True)
    result.figures += [Figure(f"other: {_command(p)} ({p})", value, "% of a core")
                       for value, p in others[:3] if value >= 0.5]
    return result
