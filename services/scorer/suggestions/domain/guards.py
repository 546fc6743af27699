"""When a suggestion is refused, and the numbers that say why. Pure."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from services.scorer.suggestions.domain.features import AFTER_HANDOFF

MIN_OUTCOMES = 200  # leads with a known outcome in the window
MIN_PER_CLASS = 30  # won, and lost or rejected
LEAK_GAP = 0.9  # an attribute present on this much more of one class than of the other was set after the fact

Code = Literal["too_few_outcomes", "one_class", "leakage", "no_agreement"]


@dataclass(frozen=True)
class Refused(Exception):
    """A suggestion that cannot be made: a 422 with `code`, `message` and the `numbers`."""

    code: Code
    message: str
    numbers: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class OutcomeCounts:
    won: int
    not_won: int  # lost, or rejected by sales (recycled)
    # attribute -> (leads won that carry it, leads not won that carry it)
    presence: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.won + self.not_won


def check_counts(counts: OutcomeCounts, window: str) -> None:
    """Refuses one class only, then too few outcomes."""
    found = {"found": counts.total, "won": counts.won, "lost_or_rejected": counts.not_won}
    if counts.total and (counts.won == 0 or counts.not_won == 0):
        only = "won" if counts.not_won == 0 else "lost or rejected"
        raise Refused("one_class", f"all {counts.total} leads with a known outcome {window} were {only}; "
                                   "a model needs won leads and lost or rejected ones", found)
    if counts.total < MIN_OUTCOMES or counts.won < MIN_PER_CLASS or counts.not_won < MIN_PER_CLASS:
        raise Refused("too_few_outcomes",
                      f"needs at least {MIN_OUTCOMES} leads with a known outcome {window}, at least {MIN_PER_CLASS}"
                      f" won and {MIN_PER_CLASS} lost or rejected; found {counts.total} ({counts.won} won,"
                      f" {counts.not_won} lost or rejected)",
                      {"needed": MIN_OUTCOMES, "needed_per_class": MIN_PER_CLASS, **found})


def check_requested(attributes: Iterable[str]) -> None:
    """Refuses a request that names an attribute set after the handoff (the rep, the deal stage...)."""
    named = sorted(a for a in attributes if a.strip().lower() in AFTER_HANDOFF)
    if named:
        raise Refused("leakage", f"{', '.join(named)} {'is' if len(named) == 1 else 'are'} set after the handoff"
                                 " (by sales or the CRM): learning from it would learn the outcome itself",
                      {"attributes": named})


def check_leakage(counts: OutcomeCounts) -> None:
    """Refuses an attribute whose mere presence tells won from not won: it was written after the fact."""
    if not counts.won or not counts.not_won:
        return
    for name, (won, not_won) in sorted(counts.presence.items()):
        if name.lower() in AFTER_HANDOFF:
            continue  # never learned from (features.AFTER_HANDOFF); the report lists it as left out
        a, b = won / counts.won, not_won / counts.not_won
        if abs(a - b) >= LEAK_GAP:
            raise Refused("leakage", f"attribute {name!r} is set on {a:.0%} of won leads and {b:.0%} of lost or"
                                     " rejected ones: it looks written after the handoff; leave it out"
                                     " (exclude it) or fix the data",
                          {"attribute": name, "won_with_it": won, "won": counts.won,
                           "not_won_with_it": not_won, "not_won": counts.not_won})
