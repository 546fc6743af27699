"""A job woken by PostgreSQL NOTIFY, polling as a fallback in case a notification was missed."""

import contextlib
import logging

import asyncpg

from services.shared.jobs import PeriodicJob, Step

log = logging.getLogger(__name__)


class NotifiedLoop:
    """Runs a step on every NOTIFY on `channel`, and at least every `idle_s`; errors are retried."""

    def __init__(self, pool: asyncpg.Pool, channel: str, idle_s: float, name: str) -> None:
        self._pool = pool
        self._channel = channel
        self._name = name
        self._listener: asyncpg.pool.PoolConnectionProxy | None = None
        self._step: Step | None = None
        self._job = PeriodicJob(name, self._round, idle_s, retry_s=0.5, backoff_max_s=0.5)

    def wake(self) -> None:
        """Runs the step now, as a NOTIFY would."""
        self._job.wake()

    @property
    def stopping(self) -> bool:
        return self._job.stopping

    def stop(self) -> None:
        self._job.stop()

    async def run(self, step: Step) -> None:
        """Until stop(): one connection listens while `step` runs on the pool. A listener lost with
        its connection (a database restart) is replaced; meanwhile the idle poll keeps things going."""
        self._step = step
        try:
            await self._job.run()
        finally:
            await self._release(self._listener)
            self._listener = None

    async def _round(self) -> bool:
        if not _alive(self._listener):
            self._listener = await self._listen(self._listener)
        assert self._step is not None
        return await self._step()

    def _woken(self, *_: object) -> None:
        self._job.wake()

    async def _listen(self, old: asyncpg.pool.PoolConnectionProxy | None) -> asyncpg.pool.PoolConnectionProxy | None:
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

    async def _release(self, listener: asyncpg.pool.PoolConnectionProxy | None, listening: bool = True) -> None:
        if listener is None:
            return
        with contextlib.suppress(Exception):  # the connection may be dead already
            if listening and _alive(listener):
                await listener.remove_listener(self._channel, self._woken)
        with contextlib.suppress(Exception):
            await self._pool.release(listener)


def _alive(listener: asyncpg.pool.PoolConnectionProxy | None) -> bool:
    """Whether the listening connection still works (a dead one may even have left the pool)."""
    if listener is None:
        return False
    try:
        return not listener.is_closed()
    except asyncpg.InterfaceError:
        return False
