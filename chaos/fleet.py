"""The service processes under test: two scorers and two routers, killed and restarted on demand."""

import asyncio
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.stack import ServiceProcess, start_service, wait_ready

LAYOUT = (("scorer-1", "scorer"), ("scorer-2", "scorer"), ("router-1", "router"), ("router-2", "router"))
READY_TIMEOUT_S = 120  # a restarted member waits for its group to drop the killed one (session timeout 30 s)


@dataclass
class Slot:
    """One place in the layout, and the process that fills it now."""

    name: str
    service: str
    process: ServiceProcess
    starts: int = 1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one kill at a time per slot


@dataclass
class Fleet:
    """The four processes, on the run's database and topics (`env`)."""

    env: dict[str, str]
    log_dir: Path
    slots: list[Slot] = field(default_factory=list)

    async def start(self) -> None:
        self.slots = [Slot(name, service, start_service(service, self.env, self.log_dir)) for name, service in LAYOUT]
        await asyncio.gather(*(wait_ready(s.process, READY_TIMEOUT_S) for s in self.slots))

    def urls(self, service: str) -> list[str]:
        """Base URLs of the running processes of `service` (a killed one may still be starting)."""
        return [s.process.url for s in self.slots if s.service == service and s.process.process.poll() is None]

    async def kill(self, slot: Slot, pause_s: float) -> dict:
        """SIGKILL, then a new process in its place after `pause_s`; returns what happened, with timings."""
        async with slot.lock:
            return await self._kill(slot, pause_s)

    async def _kill(self, slot: Slot, pause_s: float) -> dict:
        old = slot.process
        old.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(old.process.wait)
        killed_at = time.monotonic()
        await asyncio.sleep(pause_s)
        slot.process = start_service(slot.service, self.env, self.log_dir)
        slot.starts += 1
        try:
            await wait_ready(slot.process, READY_TIMEOUT_S)
            ready = round(time.monotonic() - killed_at, 1)
        except RuntimeError:
            ready = None  # reported; the settle step and the final check see the process state
        return {"target": slot.name, "killed_pid": old.process.pid, "new_pid": slot.process.process.pid,
                "pause_s": round(pause_s, 1), "ready_after_s": ready}

    def exited(self) -> list[str]:
        """Processes that ended by themselves (the harness never stops one without restarting it)."""
        return [f"{s.name} (exit {s.process.process.returncode}, log {s.process.log_path})"
                for s in self.slots if s.process.process.poll() is not None]

    def stop(self, timeout_s: float = 30) -> None:
        """SIGTERM to all at once (each drains, commits and leaves), then waits; SIGKILL if one hangs."""
        running = [s.process.process for s in self.slots if s.process.process.poll() is None]
        for p in running:
            p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for p in running:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def logs(self) -> list[Path]:
        """The log file of every process this fleet started (killed ones included)."""
        return sorted(p for p in self.log_dir.glob("*.log") if p.stem.split("-")[0] in ("scorer", "router"))
