"""A routing decision as stored and shown: the rule, the rep (or overflow) and why."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.router.routing.domain.rotation import RotationResult
from services.router.routing.domain.rules import OVERFLOW

KEY_ACCOUNT_OWNER = "key_account_owner"  # the rule named when a key account goes to its owner (or nowhere)
ACCOUNT_IN_PROGRESS = "account_in_progress"  # the rule named when a colleague's rep takes the lead


@dataclass(frozen=True)
class Considered:
    rep_id: str
    skipped: str | None  # why the rep was passed over; None for the chosen one
    open_leads: int | None = None  # the load a least-busy pool compared; None in round robin


def _considered(c: Considered) -> dict[str, Any]:
    shown: dict[str, Any] = {"rep_id": c.rep_id, "skipped": c.skipped}
    if c.open_leads is not None:
        shown["open_leads"] = c.open_leads
    return shown


@dataclass(frozen=True)
class Tried:
    """One rule looked at: `matched`, `conditions_not_met`, `no_account`, `no_owner`, `unknown_pool`,
    or the account owner's skip reason (with the owner in rep_id)."""

    rule: str
    outcome: str
    rep_id: str | None = None
    mismatches: tuple[str, ...] = ()  # condition values of the wrong type, met on the way


@dataclass(frozen=True)
class Decision:
    rule: str  # the deciding rule's id, or "overflow" when none matched
    pool_id: str | None  # None when the lead went to one named rep, or no rule matched
    rep_id: str | None  # None: nobody could take it, the lead goes to overflow
    considered: tuple[Considered, ...]
    account_id: str | None = None  # the account matched by domain, if any
    rotation: RotationResult | None = None  # the pool's rotation state to persist, when a pool chose
    tried: tuple[Tried, ...] = ()  # every rule looked at, in order, up to the deciding one
    account_match: Mapping[str, Any] | None = None  # how the account was matched: method, score, compared
    account_review: Mapping[str, Any] | None = None  # a weak candidate, not used, queued for ops review
    skills: Mapping[str, Any] | None = None  # the skill needs: required, optional, relaxed (with why)
    retry_at: datetime | None = None  # overflow only: when a running optional-skill wait ends
    key_account: str | None = None  # why the lead's company is a key account (key_accounts.py), if it is

    @property
    def overflow_reason(self) -> str | None:
        """Why the lead goes to overflow, in words; None when a rep got it."""
        if self.rep_id is not None:
            return None
        if self.rule == OVERFLOW:
            return "no rule matched"
        if self.retry_at is not None:
            return f"waiting for a rep with the optional skills until {self.retry_at.isoformat()}"
        if self.rule == KEY_ACCOUNT_OWNER:
            owner = self.considered[0] if self.considered else None
            return (f"the key account's owner {owner.rep_id if owner else '?'} cannot take it "
                    f"({owner.skipped if owner else 'unknown'}), and a key account never goes to a pool")
        if self.tried and self.tried[-1].outcome == "unknown_pool":
            return f"pool {self.pool_id!r} does not exist"
        if not self.considered:
            return f"pool {self.pool_id!r} has no members" if self.pool_id else "no candidates"
        return "every candidate was skipped"

    def explain(self) -> dict[str, Any]:
        """The decision as stored and shown: rule, pool and every candidate with its reason."""
        return {
            "rule": self.rule,
            "pool_id": self.pool_id,
            "rep_id": self.rep_id,
            "considered": [_considered(c) for c in self.considered],
            "account_id": self.account_id,
            "account_match": dict(self.account_match) if self.account_match else None,
            "account_review": dict(self.account_review) if self.account_review else None,
            "skills": dict(self.skills) if self.skills else None,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "overflow_reason": self.overflow_reason,
            "key_account": self.key_account,
            "tried": [{"rule": t.rule, "outcome": t.outcome, "rep_id": t.rep_id, "mismatches": list(t.mismatches)}
                      for t in self.tried],
        }
