"""A loop woken by PostgreSQL NOTIFY, polling as a fallback in case a notification was missed."""

import asyncio
import contextlib
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
        """Until stop(): one connection listens while `step` runs on the pool. A listener lost with
        its connection (a database restart) is replaced; meanwhile the idle poll keeps things going."""
        listener: asyncpg.pool.PoolConnectionProxy | None = None
        try:
            while not self._stopping.is_set():
                if not _alive(listener):
                    listener = await self._listen(listener)
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
            await self._release(listener)

    def _woken(self, *_) -> None:
        self._wake.set()

    async def _listen(self, old):
        """A fresh listening connection, or None for now (logged; the next round tries again)."""
        await self._release(old)
        listener = None
        try:
            listener = await self._pool.acquire()
            await listener.add_listener(self._channel, self._woken)
            return listener
        except Exception as exc:
            log.warning(f"{self._name}: cannot listen for NOTIFY; polling meanwhile", extra={"error": repr(exc)})
            await self._release(listener, listening=False)
            return None

    async def _release(self, listener, listening: bool = True) -> None:
        if listener is None:
            return
        with contextlib.suppress(Exception):  # the connection may be dead already
            if listening and _alive(listener):
                await listener.remove_listener(self._channel, self._woken)
        with contextlib.suppress(Exception):
            await self._pool.release(listener)


def _alive(listener) -> bool:
    """Whether the listening connection still works (a dead one may even have left the pool)."""
    if listener is None:
        return False
    try:
        return not listener.is_closed()
    except asyncpg.InterfaceError:
        return False
