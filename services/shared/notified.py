"""A loop woken by PostgreSQL NOTIFY, polling as a fallback in case a notification was missed."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[bool]]  # True: more work is waiting, run again at once


class NotifiedLoop:
    """Runs a step on every NOTIFY on `channel`, and at least every `idle_s`; errors are retried."""

    def __init__(self, pool: asyncpg.Pool, channel: str, idle_s: float, name: str) -> None:
        self._pool = pool
        self._channel = channel
        self._idle_s = idle_s
        self._name = name
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self, step: Step) -> None:
        """Until stop(): one connection listens while `step` runs on the pool."""
        listener = await self._pool.acquire()
        callback = lambda *_: self._wake.set()  # noqa: E731
        try:
            await listener.add_listener(self._channel, callback)
            while not self._stopping.is_set():
                self._wake.clear()  # before the step, so a NOTIFY during it is not lost
                try:
                    if await step():
                        continue
                except Exception as exc:  # the database or Kafka is away: keep state, retry shortly
                    log.warning(f"{self._name} failed; retrying", extra={"error": repr(exc)})
                    await asyncio.sleep(0.5)
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle_s)
                except TimeoutError:
                    pass
        finally:
            try:
                await listener.remove_listener(self._channel, callback)
            finally:
                await self._pool.release(listener)
