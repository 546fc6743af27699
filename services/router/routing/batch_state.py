"""Routing state read once per consumed batch and kept current in memory while the batch decides.

A batch runs in one transaction that holds the rule set's pools locked (FOR UPDATE), so no other
router can change rotations meanwhile; what changes within the batch (each decision's rotation
step, each rep's open and daily counts) is applied here, and the rotations are written once at
the end. Per lead, only the account lookup and the writes remain.
"""

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import datetime

from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import Pool
from services.router.routing.domain.rules import RuleSet
from services.router.routing.state import RoutingStateRepository


class BatchRoutingState:
    """A BatchState over the repository: served from memory after the first read."""

    def __init__(self, inner: RoutingStateRepository) -> None:
        self._inner = inner
        self._rules: tuple[int | None, RuleSet] | None = None
        self._pools: dict[str, Pool] = {}
        self._reps: dict[str, RepState] | None = None
        self._accounts: list[Account] | None = None
        self._named: list[Account] | None = None
        self._dirty: dict[tuple[str, str], tuple[MemberState, float]] = {}

    async def current_rules(self, default_pool: str) -> tuple[int | None, RuleSet]:
        if self._rules is None:
            self._rules = await self._inner.current_rules(default_pool)
        return self._rules

    async def pools(self, pool_ids: Iterable[str], *, lock: bool) -> dict[str, Pool]:
        wanted = set(pool_ids)
        missing = wanted - set(self._pools)
        if missing:
            self._pools.update(await self._inner.pools(missing, lock=lock))
        return {p: self._pools[p] for p in wanted if p in self._pools}

    async def prefetch_accounts(self, domains: Iterable[str]) -> None:
        """Reads the accounts of every domain of the batch in one query."""
        self._accounts = await self._inner.accounts_for(domains)

    async def accounts_for(self, domains: Iterable[str]) -> list[Account]:
        if self._accounts is None:
            return await self._inner.accounts_for(domains)
        wanted = set(domains)
        return [a for a in self._accounts if wanted.intersection(a.domains)]

    async def named_accounts(self) -> list[Account]:
        """Read once per batch, when a lead first needs matching by name."""
        if self._named is None:
            self._named = await self._inner.named_accounts()
        return self._named

    async def rep_states(self, at: datetime, full_counts: Collection[str] = ()) -> dict[str, RepState]:
        """Read at the batch's first decision; working hours and leave are judged at that instant."""
        if self._reps is None:
            self._reps = await self._inner.rep_states(at, full_counts)
        return self._reps

    async def rep_time_zone(self, rep_id: str) -> str | None:
        rep = (self._reps or {}).get(rep_id)
        if rep is not None and rep.working_hours is not None:
            return rep.working_hours.time_zone
        return await self._inner.rep_time_zone(rep_id)

    async def save_rotation(self, pool_id: str, member: MemberState, virtual_time: float) -> None:
        """Applies a decision's rotation step here; `flush` writes it."""
        pool = self._pools[pool_id]
        members = tuple(member if m.rep_id == member.rep_id else m for m in pool.members)
        self._pools[pool_id] = replace(pool, members=members, virtual_time=virtual_time)
        self._dirty[(pool_id, member.rep_id)] = (member, virtual_time)

    def assigned(self, rep_id: str, account_id: str | None = None) -> None:
        """Counts a new open lead for the rep, for the capacity checks of the rest of the batch; the
        rep now works the account, for its colleagues later in the batch."""
        if account_id is not None and self._accounts is not None:
            self._accounts = [replace(a, worked_by=rep_id) if a.account_id == account_id else a
                              for a in self._accounts]
        if self._reps and rep_id in self._reps:
            rep = self._reps[rep_id]
            self._reps[rep_id] = replace(rep, open_count=rep.open_count + 1, new_today=rep.new_today + 1)

    async def flush(self) -> None:
        """Writes the batch's rotation steps: each changed member's last pass, the pool's last time."""
        if not self._dirty:
            return
        changed = sorted(self._dirty.items())
        await self._inner.save_rotations([(pool_id, member) for (pool_id, _), (member, _) in changed],
                                         {pool_id: self._pools[pool_id].virtual_time for (pool_id, _), _ in changed})
        self._dirty.clear()
