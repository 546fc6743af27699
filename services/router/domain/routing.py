"""Which rep gets a lead. Pure: candidates in, decision out.

A first-available placeholder until the routing issue brings rules and weighted round robin.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    rep_id: str
    active: bool
    weight: int = 1


@dataclass(frozen=True)
class Considered:
    rep_id: str
    skipped: str | None  # why the rep was passed over; None for the chosen one


@dataclass(frozen=True)
class Decision:
    rule: str
    pool_id: str
    rep_id: str | None  # None: nobody could take it, the lead goes to overflow
    considered: tuple[Considered, ...]

    def explain(self) -> dict:
        """The decision as stored and shown: rule, pool and every candidate with its reason."""
        return {
            "rule": self.rule,
            "pool_id": self.pool_id,
            "rep_id": self.rep_id,
            "considered": [{"rep_id": c.rep_id, "skipped": c.skipped} for c in self.considered],
        }


def choose_from_pool(pool_id: str, candidates: Sequence[Candidate], rule: str = "default_pool") -> Decision:
    """The first active member of the pool, in rep id order; overflow when there is none."""
    considered: list[Considered] = []
    chosen: str | None = None
    for candidate in sorted(candidates, key=lambda c: c.rep_id):
        if chosen is not None:
            break
        if not candidate.active:
            considered.append(Considered(candidate.rep_id, "inactive"))
            continue
        chosen = candidate.rep_id
        considered.append(Considered(candidate.rep_id, None))
    return Decision(rule=rule, pool_id=pool_id, rep_id=chosen, considered=tuple(considered))
