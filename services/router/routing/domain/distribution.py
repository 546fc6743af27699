"""How a pool picks among the members who can take a lead: weighted round robin or least busy. Pure.

- `round_robin` (the default): stride scheduling, see rotation.py.
- `least_busy`: the member with the fewest open leads for their weight (open leads / weight, so a
  rep of weight 2 carries twice the open leads of a rep of weight 1 before counting as busier).

Tie-breaking in least busy, documented and stable: equal loads go to the member next in the round
robin (the smaller effective pass), then to the smaller rep id. The chosen member's pass moves on as
in round robin, so reps with equal loads take turns instead of the smallest rep id taking every
lead, and a pool switched from one mode to the other keeps a meaningful rotation state.

Loads compare as exact fractions: 2/4 and 1/2 tie, whatever floating point would say.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Literal

from services.router.routing.domain.rotation import MemberState, RotationResult, choose, effective_pass, rotation_order

ROUND_ROBIN = "round_robin"
LEAST_BUSY = "least_busy"
Distribution = Literal["round_robin", "least_busy"]
DISTRIBUTIONS: tuple[Distribution, ...] = ("round_robin", "least_busy")


def load(member: MemberState, open_leads: Mapping[str, int]) -> Fraction:
    """The member's open leads per unit of weight."""
    return Fraction(open_leads.get(member.rep_id, 0), member.weight)


def least_busy_order(members: Sequence[MemberState], virtual_time: float,
                     open_leads: Mapping[str, int]) -> list[MemberState]:
    """Members least busy first; ties: effective pass, then rep id."""
    return sorted(members, key=lambda m: (load(m, open_leads), effective_pass(m, virtual_time), m.rep_id))


def order(distribution: str, members: Sequence[MemberState], virtual_time: float,
          open_leads: Mapping[str, int]) -> list[MemberState]:
    """The members in the order the pool's distribution considers them."""
    if distribution == LEAST_BUSY:
        return least_busy_order(members, virtual_time, open_leads)
    return rotation_order(members, virtual_time)


def pick(distribution: str, members: Sequence[MemberState], virtual_time: float, available: Collection[str],
         open_leads: Mapping[str, int]) -> RotationResult:
    """The member the pool's distribution picks among `available`, with the rotation state to persist."""
    if distribution != LEAST_BUSY:
        return choose(members, virtual_time, available)
    chosen = next((m for m in least_busy_order(members, virtual_time, open_leads) if m.rep_id in available), None)
    if chosen is None:
        return RotationResult(None, None, virtual_time)
    given_at = effective_pass(chosen, virtual_time)
    # As in round robin the virtual time becomes the lowest pass that competed, so it never goes back.
    lowest = min(effective_pass(m, virtual_time) for m in members if m.rep_id in available)
    return RotationResult(chosen.rep_id, replace(chosen, pass_value=given_at + 1 / chosen.weight), lowest)
