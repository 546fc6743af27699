"""The ports of CRM handling: where activities and their effects on assignments are stored."""

from datetime import datetime
from typing import Protocol

from schemas.events import CrmActivityRecorded
from services.router.events import Outbox
from services.router.sla.store import HeldAssignment


class Activities(Outbox, Protocol):
    async def assignment_at(self, lead_key: str, at: datetime) -> HeldAssignment | None: ...

    async def rep_exists(self, rep_id: str) -> bool: ...

    async def rated_currencies(self) -> set[str]: ...

    async def record_activity(self, activity: CrmActivityRecorded, assignment_id: str) -> bool: ...

    async def record_first_touch(self, assignment_id: str, at: datetime, minutes: float, on_time: bool) -> None: ...

    async def record_outcome(self, assignment_id: str, status: str, reason: str | None, at: datetime,
                             close: bool) -> None: ...

    async def record_first_outcome(self, assignment_id: str, status: str, reason: str | None,
                                   at: datetime) -> None: ...

    async def record_lead_outcome(self, lead_key: str, status: str, reason: str | None, at: datetime) -> None: ...
