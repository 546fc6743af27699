"""The faults of a run: SIGKILLs of service processes, one broker restart, one PostgreSQL restart."""

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from chaos.fleet import LAYOUT, Fleet

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / "deploy" / "local"
# Fractions of the engagement phase. The database goes first, while both services apply a steady
# stream; the broker later, so its long catch-up does not hide the database restart. Never both down.
POSTGRES_AT, KAFKA_AT = 0.25, 0.6


@dataclass(frozen=True)
class Fault:
    """One planned fault."""

    kind: str  # kill, kafka, postgres
    phase: int  # 1: engagement, 2: CRM activities
    at: float  # fraction of the phase's planned sending time
    target: str | None = None  # the process slot of a kill
    pause_s: float = 0.0  # between a kill and the restart


def plan_faults(kills: int, restart_kafka: bool, restart_postgres: bool, seed: int) -> list[Fault]:
    """Kills at random times of both phases (a third of them while CRM activities flow), random targets."""
    rng = random.Random(seed * 31 + 3)
    planned = [Fault("kill", 2 if i < kills // 3 else 1, round(rng.uniform(0.1, 0.9), 3),
                     rng.choice(LAYOUT)[0], round(rng.uniform(0, 2), 1)) for i in range(kills)]
    if restart_kafka:
        planned.append(Fault("kafka", 1, KAFKA_AT))
    if restart_postgres:
        planned.append(Fault("postgres", 1, POSTGRES_AT))
    return sorted(planned, key=lambda f: (f.phase, f.at))


@dataclass
class FaultRunner:
    """Injects the planned faults of a phase at their times; records what happened."""

    fleet: Fleet
    plan: list[Fault]
    log_dir: Path
    run_started: float  # monotonic
    done: list[dict] = field(default_factory=list)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    def start_phase(self, phase: int, planned_s: float) -> asyncio.Task:
        """Runs the phase's faults in the background, timed from now."""
        task = asyncio.create_task(self.run_phase(phase, time.monotonic(), planned_s))
        self._tasks.append(task)
        return task

    async def run_phase(self, phase: int, began: float, planned_s: float) -> None:
        """Runs the phase's faults at `began + at * planned_s`; a restart ends before the next fault starts."""
        for fault in (f for f in self.plan if f.phase == phase):
            if (wait := began + fault.at * planned_s - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            at = round(time.monotonic() - self.run_started, 1)
            if fault.kind == "kill":
                slot = next(s for s in self.fleet.slots if s.name == fault.target)
                self._tasks.append(asyncio.create_task(self._kill(slot, fault, at)))
            else:
                self.done.append({"fault": fault.kind, "phase": phase, "at_s": at,
                                  **await self._restart(fault.kind)})

    async def _kill(self, slot, fault: Fault, at: float) -> None:
        outcome = await self.fleet.kill(slot, fault.pause_s)
        self.done.append({"fault": "kill", "phase": fault.phase, "at_s": at, **outcome})

    async def finish(self) -> None:
        """Waits for every fault, and for the killed processes to be ready again."""
        await asyncio.gather(*self._tasks)

    def cancel(self) -> None:
        """Abandons what is still pending (the run failed)."""
        for task in self._tasks:
            task.cancel()

    async def _restart(self, kind: str) -> dict:
        """Stops and starts the local broker or database with the stack's own scripts."""
        external = {"kafka": "HANDOFF_KAFKA_BOOTSTRAP", "postgres": "HANDOFF_DATABASE_URL"}[kind]
        if os.environ.get(external):
            return {"skipped": f"{external} is set: not the local stack's, not restarted"}
        script = LOCAL / f"{kind}.sh"
        began = time.monotonic()
        await self._script(script, "down")
        stopped = time.monotonic()
        await self._script(script, "up")
        return {"stop_s": round(stopped - began, 1), "down_s": round(time.monotonic() - began, 1)}

    async def _script(self, script: Path, command: str) -> None:
        with open(self.log_dir / f"{script.stem}-{command}.log", "ab") as out:
            proc = await asyncio.create_subprocess_exec(str(script), command, stdout=out, stderr=out, cwd=ROOT)
            if await proc.wait() != 0:
                raise RuntimeError(f"{script.name} {command} failed; see {out.name}")
