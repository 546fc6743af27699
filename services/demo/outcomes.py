"""What sales does with the demo's routed leads: touches, decisions with reasons, conversions, wins. Pure.

Campaigns differ on purpose, so the feedback loop has something to say: the benchmark report brings
many leads without a project, partner referrals are often customers already, G2 comparisons convert.
Wins depend on the lead, so a suggestion (`handoff agreement suggest`) has something to learn:
fintech and SaaS companies of 50-999 people win far more often than the rest.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.demo.cast import DEFAULT_TOUCH_RATE, TOUCH_RATE

# campaign -> (share of touched leads sales rejects, {reason: weight})
REJECTIONS: dict[str | None, tuple[float, dict[str, int]]] = {
    None: (0.2, {"bad contact data": 4, "not the decision maker": 3, "no budget": 3}),
    "benchmark-report-2026": (0.5, {"no project or timing": 6, "not the decision maker": 3, "no budget": 1}),
    "webinar-routing-101": (0.2, {"no project or timing": 5, "no budget": 5}),
    "pricing-retargeting": (0.3, {"not the decision maker": 5, "no budget": 3, "competitor or partner": 2}),
    "g2-comparison": (0.1, {"competitor or partner": 6, "no budget": 4}),
    "partner-referrals": (0.3, {"already a customer": 7, "competitor or partner": 3}),
    "trial-nurture": (0.15, {"no budget": 6, "no project or timing": 4}),
}
DECIDED, CONVERTED, CLOSED = 0.9, 0.85, 0.95  # most handed-over leads reach an outcome within the week
WON_BASE, WON_MAX = 0.2, 0.85  # the share of closed deals won, before and after the lead's own traits
TOUCH_KINDS = {"call": 50, "email": 35, "meeting": 15}


@dataclass(frozen=True)
class Plan:
    """The CRM steps one routed lead gets, in order; empty steps mean the lead waits (open, then breached)."""

    lead_key: str
    touch: str | None = None  # call, email or meeting
    decision: str | None = None  # accepted or rejected
    reason: str | None = None
    converted: bool = False
    closed: str | None = None  # won or lost

    def steps(self) -> int:
        """How many CRM activities the plan posts."""
        return sum((self.touch is not None, self.decision is not None, self.converted, self.closed is not None))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def win_rate(attributes: Mapping[str, Any]) -> float:
    """The share of a lead's closed deals that are won: the demo's planted truth, for suggestions to find."""
    rate = WON_BASE
    if attributes.get("industry") in ("fintech", "saas"):
        rate *= 2.5
    employees = attributes.get("employees")
    if isinstance(employees, int) and 50 <= employees < 1000:
        rate *= 2
    return min(rate, WON_MAX)


def plan(rng: random.Random, lead_key: str, rep_id: str, campaign: str | None, reasons: list[str],
         attributes: Mapping[str, Any] | None = None) -> Plan:
    """The steps for one lead: whether its rep touches it, decides, converts and closes (won as often
    as `win_rate` of its `attributes` says); reasons from `reasons`."""
    if rng.random() >= TOUCH_RATE.get(rep_id, DEFAULT_TOUCH_RATE):
        return Plan(lead_key)
    touch = _weighted(rng, TOUCH_KINDS)
    if rng.random() >= DECIDED:
        return Plan(lead_key, touch)
    share, weights = REJECTIONS.get(campaign, REJECTIONS[None])
    if rng.random() < share:
        reason = _weighted(rng, weights)
        return Plan(lead_key, touch, "rejected", reason if reason in reasons else (reasons[0] if reasons else None))
    if rng.random() >= CONVERTED:
        return Plan(lead_key, touch, "accepted")
    if rng.random() >= CLOSED:
        return Plan(lead_key, touch, "accepted", converted=True)
    closed = "won" if rng.random() < win_rate(attributes or {}) else "lost"
    return Plan(lead_key, touch, "accepted", converted=True, closed=closed)
