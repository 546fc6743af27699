"""Account-level intent (third-party signals: topic, strength 0-100) scored under the agreement. Pure.

A signal scores the points of the highest strength band it reaches in the first intent rule whose
topics include its topic (compared ignoring case; a rule without topics takes every topic); a
signal whose rule it reaches no band of scores nothing. Points halve every `intent.half_life_days`
after the signal was observed. The account's intent at `at` counts each signal once (by key), and
only signals observed at or before `at`, so the live scorer and a backtest, which sees signals in
no arrival order, agree. A lead gets `intent.weight` of it beside its own engagement.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.agreement.scoring_sections import IntentRule, IntentSection

_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Signal:
    key: str  # the signal's event key: one signal counts once
    topic: str
    strength: float
    observed_at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _covers(rule: IntentRule, topic: str) -> bool:
    return not rule.topics or any(t.casefold() == topic for t in rule.topics)


def signal_points(section: IntentSection, signal: Signal) -> tuple[str, float] | None:
    """(rule id, undecayed points) of one signal, None when no rule takes its topic."""
    topic = signal.topic.casefold()
    rule = next((r for r in section.rules if _covers(r, topic)), None)
    if rule is None:
        return None
    reached = [b for b in rule.bands if signal.strength >= b.min_strength]
    return rule.id, max(reached, key=lambda b: b.min_strength).points if reached else 0.0


def intent_points(section: IntentSection, signals: Iterable[Signal], at: datetime) -> float:
    """The account's decayed intent points at `at`: each signal once, observed at or before `at`."""
    if not section.rules:
        return 0.0
    now, seen, total = _aware(at), set(), 0.0
    for signal in sorted(signals, key=lambda s: (_aware(s.observed_at), s.key)):
        when = _aware(signal.observed_at)
        if when > now or signal.key in seen:
            continue
        seen.add(signal.key)
        scored = signal_points(section, signal)
        if scored is None or not scored[1]:
            continue
        half_life = section.half_life_days
        total += scored[1] * (0.5 ** (((now - when) / _DAY) / half_life) if half_life else 1.0)
    return total
