"""Weighted round robin as stride scheduling, with all of its state explicit. Pure.

Each pool member has a weight and a pass value; the pool has a virtual time. A lead goes to the
available member with the smallest pass (ties: the smaller rep id), whose pass then grows by
1/weight: a rep of weight 2 advances half as fast, so gets twice the leads.

The fairness rule: leads are shared in proportion to weight among the reps available at each
moment, and time away is not owed back. The virtual time is the pass at which the latest lead
was given (it never goes back). A member whose pass is below it (back from leave, from capacity,
from outside working hours, or new to the pool) is lifted to it before comparing, so they rejoin
level with the others: at most one lead straight away, then their weight's share, never a burst
to catch up.

State lives with the caller (PostgreSQL), not in a process: `choose` returns the one member whose
pass changed and the new virtual time, and the caller writes both while holding the pool's row
lock. Every replica thus reads and advances the same rotation, so fairness holds across replicas.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MemberState:
    rep_id: str
    weight: int = 1
    pass_value: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.weight, int) or self.weight < 1:
            raise ValueError(f"{self.rep_id}: weight must be a whole number >= 1, got {self.weight!r}")


@dataclass(frozen=True)
class RotationResult:
    rep_id: str | None  # None: nobody available, nothing changes
    updated: MemberState | None  # the chosen member with its new pass, to persist
    virtual_time: float  # the pool's virtual time to persist


def effective_pass(member: MemberState, virtual_time: float) -> float:
    """The pass a member competes with: never below the pool's virtual time (no catch-up burst)."""
    return max(member.pass_value, virtual_time)


def rotation_order(members: Sequence[MemberState], virtual_time: float) -> list[MemberState]:
    """Members in the order they are next in line: effective pass, then rep id."""
    return sorted(members, key=lambda m: (effective_pass(m, virtual_time), m.rep_id))


def choose(members: Sequence[MemberState], virtual_time: float, available: Collection[str]) -> RotationResult:
    """The next available member in line, their new state and the pool's new virtual time."""
    chosen = next((m for m in rotation_order(members, virtual_time) if m.rep_id in available), None)
    if chosen is None:
        return RotationResult(None, None, virtual_time)
    given_at = effective_pass(chosen, virtual_time)
    updated = replace(chosen, pass_value=given_at + 1 / chosen.weight)
    return RotationResult(chosen.rep_id, updated, given_at)
