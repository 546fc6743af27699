"""One shape for the background jobs of a service: a step run until stopped.

A step returns True when more work is waiting (it runs again at once), else the job waits
`every_s` or until `wake()`. A failing step is logged and retried after `retry_s`, doubling up to
`backoff_max_s` while it keeps failing; a failure never ends the job. Runtime.start_job runs one
for the life of the process and stops it at shutdown.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[bool]]  # True: more work is waiting, run again at once


class Job(Protocol):
    """What Runtime runs in the background: a name, run() until stop()."""

    name: str

    async def run(self) -> None: ...

    def stop(self) -> None: ...


class PeriodicJob:
    """Runs `step` at once, then every `every_s` (sooner on wake()), until stopped."""

    def __init__(self, name: str, step: Step, every_s: float, *, first_after_s: float = 0.0,
                 retry_s: float | None = None, backoff_max_s: float | None = None) -> None:
        self.name = name
        self._step = step
        self._every_s = every_s
        self._first_after_s = first_after_s
        self._retry_s = every_s if retry_s is None else retry_s
        self._backoff_max_s = max(self._retry_s, 10.0) if backoff_max_s is None else backoff_max_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def wake(self) -> None:
        """Runs the step now rather than at the end of the wait."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        await self.pause(self._first_after_s)
        failing: float | None = None  # the current retry delay while the step keeps failing
        while not self.stopping:
            self._wake.clear()  # before the step, so a wake() during it is not lost
            try:
                more = await self._step()
                failing = None
            except Exception as exc:  # the database or Kafka is away: keep state, retry shortly
                log.warning(f"{self.name} failed; retrying", extra={"error": repr(exc)})
                failing = self._retry_s if failing is None else min(failing * 2, self._backoff_max_s)
                await self._sleep(failing)  # not cut short by wake(): a failing step must not spin
                continue
            if not more:
                await self.pause(self._every_s)

    async def pause(self, seconds: float) -> None:
        """Waits `seconds`, or less when woken or stopped."""
        if seconds > 0:
            try:
                await asyncio.wait_for(self._wake.wait(), seconds)
            except TimeoutError:
                pass

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            pass
