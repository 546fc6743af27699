"""The agreement in force in this process: one watcher per process, refreshed on NOTIFY and by polling.

Both services read the active version (the scorer to score, the router for SLA tiers and
rejection reasons); the scorer's agreements package writes it and notifies on ACTIVATED_CHANNEL.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from services.agreement.document import AgreementDocument
from services.shared.notified import NotifiedLoop
from services.shared.state import ServiceState

log = logging.getLogger(__name__)
ACTIVATED_CHANNEL = "scorer_agreement_activated"


@dataclass(frozen=True)
class Versioned:
    """One version of the agreement, as it was activated."""

    version: int
    document: AgreementDocument


CurrentAgreement = Callable[[], Versioned | None]  # what handlers read per batch
_ACTIVE = "SELECT version, document FROM scorer.agreements WHERE status = 'active'"


async def read_active(conn: asyncpg.Connection | asyncpg.Pool) -> Versioned | None:
    """The active version as stored now, parsed; None without one."""
    row = await conn.fetchrow(_ACTIVE)
    return Versioned(row["version"], AgreementDocument.model_validate(row["document"])) if row else None


class ActiveAgreement:
    """Holds the active version; every replica switches within a second of activation."""

    def __init__(self, pool: asyncpg.Pool, poll_s: float = 5.0) -> None:
        self._pool = pool
        self._loop = NotifiedLoop(pool, ACTIVATED_CHANNEL, poll_s, "agreement refresh")
        self.current: Versioned | None = None
        self.name = "agreement-watcher"

    def read(self) -> Versioned | None:
        """The version in force now (a CurrentAgreement)."""
        return self.current

    async def refresh(self) -> Versioned | None:
        """Reads the active version; parses it only when it changed."""
        row = await self._pool.fetchrow(_ACTIVE)
        if row is None:
            self.current = None
        elif self.current is None or self.current.version != row["version"]:
            self.current = Versioned(row["version"], AgreementDocument.model_validate(row["document"]))
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

    def describe(self) -> dict[str, int | None]:
        """What /healthz reports of it."""
        return {"agreement_version": self.current.version if self.current else None}


async def watch_active_agreement(state: ServiceState, poll_s: float) -> ActiveAgreement:
    """Loads the active version, keeps it fresh for the process's life, reports it on /healthz."""
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    agreement = ActiveAgreement(pool, poll_s=poll_s)
    await agreement.refresh()
    state.runtime.start_job(agreement)
    state.describe = agreement.describe
    return agreement
