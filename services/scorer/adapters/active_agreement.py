"""The active agreement of this process, refreshed on activation NOTIFY and by polling."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from services.scorer.adapters.agreements import ACTIVATED_CHANNEL
from services.shared.notified import NotifiedLoop

log = logging.getLogger(__name__)
DocT = TypeVar("DocT")


@dataclass(frozen=True)
class Versioned(Generic[DocT]):
    version: int
    document: DocT


class ActiveAgreement(Generic[DocT]):
    """Holds the active version; every replica switches within a second of activation."""

    def __init__(self, pool: asyncpg.Pool, load: Callable[[dict[str, Any]], DocT], poll_s: float = 5.0) -> None:
        self._pool = pool
        self._load = load
        self._loop = NotifiedLoop(pool, ACTIVATED_CHANNEL, poll_s, "agreement refresh")
        self.current: Versioned[DocT] | None = None

    async def refresh(self) -> Versioned[DocT] | None:
        """Reads the active version; parses it only when it changed."""
        row = await self._pool.fetchrow(
            "SELECT version, document FROM scorer.agreements WHERE status = 'active'"
        )
        if row is None:
            self.current = None
        elif self.current is None or self.current.version != row["version"]:
            self.current = Versioned(row["version"], self._load(row["document"]))
            log.info("agreement active", extra={"version": row["version"]})
        return self.current

    def stop(self) -> None:
        self._loop.stop()

    async def run(self) -> None:
        """Refreshes on NOTIFY, and every `poll_s` in case a notification was missed."""
        await self._loop.run(self._refresh_step)

    async def _refresh_step(self) -> bool:
        await self.refresh()
        return False


async def watch_active_agreement(app, runtime, poll_s: float) -> ActiveAgreement:
    """Loads the active version, keeps it fresh for the process's life, reports it on /healthz."""
    from services.scorer.domain.agreement import AgreementDocument

    agreement = ActiveAgreement(runtime.pool, AgreementDocument.model_validate, poll_s=poll_s)
    await agreement.refresh()
    runtime.spawn(agreement.run(), "agreement-watcher", stop=agreement.stop)
    app.state.agreement = agreement
    app.state.describe = lambda: {"agreement_version": agreement.current.version if agreement.current else None}
    return agreement
