"""The ports of the SLA clock: the timers it fires and the reassignment routing does for it."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

import asyncpg

from schemas.events import LeadQualified
from services.router.events import Outbox
from services.router.sla.store import DueTimer


class Timers(Outbox, Protocol):
    """Where SLA timers are claimed, finished and their assignments marked."""

    async def claim_due_timers(self, now: datetime, limit: int) -> list[DueTimer]: ...

    async def finish_timer(self, timer_id: str, at: datetime, *, fired: bool) -> None: ...

    async def fail_timer(self, timer_id: str, at: datetime, error: str) -> None: ...

    async def cancel_timers(self, assignment_id: str, kinds: Sequence[str], at: datetime) -> None: ...

    async def mark_breached(self, assignment_id: str, at: datetime, escalated_to: str | None) -> None: ...

    async def hold_after_misses(self, assignment_id: str, rep_id: str, at: datetime) -> int | None: ...

    async def mark_unworked(self, assignment_id: str, at: datetime) -> None: ...


class Reassign(Protocol):
    """Moves a breached lead to another rep; returns the new rep, or None when it overflowed.

    Routing provides it (bootstrap wires it in), so the SLA clock sits below routing and never
    imports it, while routing starts the clock through the pure plan."""

    async def __call__(self, qualification: LeadQualified, qualification_id: str, reason: str) -> str | None: ...


Reassigner = Callable[[asyncpg.Connection], Reassign]  # the reassignment inside one transaction
