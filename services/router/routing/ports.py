"""The ports routing's handlers take: what they read for a decision and what they write."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from services.router.events import Outbox
from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import Pool
from services.router.routing.domain.rules import RuleSet
from services.router.routing.store import NewAssignment, OpenAssignment, UntouchedAssignment
from services.router.sla.domain.plan import PlannedTimer


class RoutingState(Protocol):
    """What one decision reads, and the rotation step it leaves behind."""

    async def current_rules(self, default_pool: str) -> tuple[int | None, RuleSet]: ...

    async def pools(self, pool_ids: Iterable[str], *, lock: bool) -> dict[str, Pool]: ...

    async def accounts_for(self, domains: Iterable[str]) -> list[Account]: ...

    async def named_accounts(self) -> list[Account]: ...

    async def rep_states(self, at: datetime, full_counts: Collection[str] = ()) -> dict[str, RepState]: ...

    async def rep_time_zone(self, rep_id: str) -> str | None: ...

    async def save_rotation(self, pool_id: str, member: MemberState, virtual_time: float) -> None: ...


class BatchState(RoutingState, Protocol):
    """A batch's routing state: read once, kept current in memory, written at the end."""

    async def prefetch_accounts(self, domains: Iterable[str]) -> None: ...

    def assigned(self, rep_id: str, account_id: str | None = None) -> None: ...

    async def flush(self) -> None: ...


class Assignments(Outbox, Protocol):
    """Where assignments, their SLA timers and overflow are stored."""

    async def handled_qualifications(self, qualification_ids: Sequence[str]) -> set[str]: ...

    async def insert_assignments(self, assignments: Sequence[NewAssignment]) -> set[str]: ...

    async def insert_assignment(self, a: NewAssignment) -> bool: ...

    async def insert_timers_of(self, timers: Mapping[str, Sequence[PlannedTimer]]) -> None: ...

    async def queue_account_review(self, qualification_id: str, lead_key: str, review: Mapping[str, Any],
                                   at: datetime) -> None: ...

    async def queue_overflow(self, qualification_id: str, lead_key: str, pool_id: str | None,
                             tier: str, at: datetime, decision: dict[str, Any], retry_at: datetime | None = None,
                             qualification: dict[str, Any] | None = None) -> bool: ...

    async def open_assignment(self, qualification_id: str) -> OpenAssignment | None: ...

    async def close_assignment(self, assignment_id: str, status: str) -> None: ...

    async def untouched_assignments(self, lead_keys: Collection[str]) -> list[UntouchedAssignment]: ...

    async def update_qualification(self, assignment_id: str, qualification: dict[str, Any]) -> None: ...

    async def cancel_open_timers(self, assignment_id: str, at: datetime) -> None: ...
