"""The port of one delivery attempt: the signed webhook sender and each CRM connector fill it."""

from typing import Protocol

from services.router.deliveries.store import AttemptResult, Claimed


class Send(Protocol):
    async def send(self, claimed: Claimed) -> AttemptResult:
        """One attempt, bounded; whatever goes wrong is the attempt's result, never an exception."""
        ...

    async def close(self) -> None: ...
