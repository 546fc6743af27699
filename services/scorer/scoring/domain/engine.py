"""Engagement scoring one touch at a time, with results equal to scoring.py's replay. Pure."""

# Why it is incremental: the live scorer folds each new touch into a small stored state instead of
# replaying a lead's whole history. Decay is a forward-decayed sum per rule, S_r = Σ counted_i ·
# 2^((t_i − L)/h) for a landmark L: read at `at` it is S_r · 2^(−(at − L)/h), so a new touch never
# revisits older ones. Caps keep only the touches inside their window; fast track only when each
# activity last happened.
#
# Caps depend on order, so a touch that sorts before the newest applied one (occurred_at, then event
# key) cannot be folded in: apply() raises LateTouch and the caller rebuilds with build(). An event
# key names one touch (scorer.engagement_events has it as primary key), so a redelivery is either the
# newest touch again (apply() ignores it) or sorts before it (late).
#
# A state read at `at` equals the replay at `at` when every applied touch is at or before `at`; touches
# after `at`, which the replay would leave out, still count here.

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from services.agreement.document import AgreementDocument
from services.agreement.scoring_sections import Cap
from services.scorer.scoring.domain.scoring import (
    DECIMALS,
    Contribution,
    EngagementResult,
    Evaluation,
    FitResult,
    Touch,
    _aware,
    _holds,
    judged,
    recognised,
    timeline,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_REBASE_HALF_LIVES = 64  # 2^64 stays far from float overflow (2^1024), and re-basing stays rare
_END_OF_TIME = datetime.max.replace(tzinfo=UTC)


@dataclass
class LeadState:
    """One lead's engagement under one agreement version, as it stands after its newest touch."""

    version: int
    landmark_us: int | None = None  # forward-decay landmark L, epoch microseconds
    newest: tuple[int, str] | None = None  # (occurred_at µs, event_key) of the latest applied touch
    sums: dict[str, float] = field(default_factory=dict)  # rule id -> S_r, in the order rules first fired
    windows: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # capped rule -> (t µs, counted)
    fast_track: dict[str, int] = field(default_factory=dict)  # fast-track activity -> its latest occurrence µs
    touches: int = 0  # touches applied, matched or not
    mismatches: list[str] = field(default_factory=list)  # engagement mismatches, first-seen order, each once


class LateTouch(Exception):
    """The touch sorts before the newest applied one: rebuild the state from all touches."""


def empty(version: int) -> LeadState:
    """The state of a lead without touches."""
    return LeadState(version)


def _micros(moment: datetime) -> int:
    """Epoch microseconds of `moment` (naive means UTC), exact."""
    return (_aware(moment) - _EPOCH) // _MICROSECOND


def _half_lives(half_life_days: float, later_us: int, earlier_us: int) -> float:
    """(later − earlier) in half-lives, computed as the replay does: days first, then half-lives."""
    return ((later_us - earlier_us) / _DAY_US) / half_life_days


def _scale(value: float, exponent: float) -> float:
    """value · 2^exponent, finite whenever the result is (2^exponent alone may overflow)."""
    fraction, whole = math.modf(exponent)
    return math.ldexp(value * math.exp2(fraction), int(whole))


def _window_us(cap: Cap) -> int:
    """The cap's window in microseconds, rounded as the replay's timedelta(days=…) rounds it."""
    return timedelta(days=cap.window_days) // _MICROSECOND


def _capped(points: float, cap: Cap, window: list[tuple[int, float]], when_us: int) -> float:
    """The part of `points` the cap leaves room for; `window` is updated in place."""
    start = when_us - _window_us(cap)
    drop = 0
    while drop < len(window) and window[drop][0] <= start:
        drop += 1  # counted in (when - window_days, when] only
    del window[:drop]
    # Summed afresh in window order, as the replay does: a running total would drift from it by rounding.
    room = max(0.0, cap.points - sum(abs(p) for _, p in window))
    counted = math.copysign(min(abs(points), room), points)
    if counted:
        window.append((when_us, counted))  # a zero adds nothing to the sum above, so it is not kept
    return counted


def apply(doc: AgreementDocument, state: LeadState, touch: Touch) -> bool:
    """Folds one touch into `state`; False for a redelivery of the newest touch; LateTouch if earlier."""
    when_us = _micros(touch.occurred_at)
    position = (when_us, touch.event_key)
    if state.newest is not None:
        if position == state.newest:
            return False
        if position < state.newest:
            raise LateTouch(f"{touch.event_key} at {touch.occurred_at.isoformat()} sorts before the newest touch")
    section = doc.engagement
    half_life = section.half_life_days
    if state.landmark_us is None:
        state.landmark_us = when_us
    elif half_life and _half_lives(half_life, when_us, state.landmark_us) > _REBASE_HALF_LIVES:
        # Re-based before the exponent nears float overflow; what is 64 half-lives old shrinks towards 0.
        shift = _half_lives(half_life, state.landmark_us, when_us)
        state.sums = {rule: _scale(s, shift) for rule, s in state.sums.items()}
        state.landmark_us = when_us
    state.newest = position
    state.touches += 1
    if not recognised(doc, touch, state.mismatches):
        return True  # kept and counted, scoring nothing (the replay does the same)
    if any(f.activity == touch.activity for f in doc.sales_ready.fast_track):
        state.fast_track[str(touch.activity)] = when_us  # in order, so this is the latest occurrence
    candidates = section.rules_for(touch.activity)
    if not candidates:
        return True
    fields = {"url": touch.url, "form": touch.form, "campaign": touch.campaign}
    rule = next((r for r in candidates
                 if not r.when or _holds(f"engagement.{r.id}", r.when, fields, state.mismatches)), None)
    if rule is None:
        return True
    counted = rule.points
    if rule.cap is not None:
        window = state.windows.get(rule.id, [])
        counted = _capped(rule.points, rule.cap, window, when_us)
        if window:
            state.windows[rule.id] = window
        else:
            state.windows.pop(rule.id, None)
    term = _scale(counted, _half_lives(half_life, when_us, state.landmark_us)) if half_life else counted
    # Set even when nothing counted: the replay lists a rule that fired with 0 points, too.
    state.sums[rule.id] = state.sums.get(rule.id, 0.0) + term
    return True


def build(doc: AgreementDocument, version: int, touches: Iterable[Touch]) -> LeadState:
    """The state after `touches`, in timeline order, each event key once: a rebuild."""
    state = empty(version)
    for touch in timeline(touches, _END_OF_TIME):
        apply(doc, state, touch)
    return state


def decayed(doc: AgreementDocument, total: float, landmark_us: int | None, at: datetime) -> float:
    """A forward-decayed sum at `landmark_us`, read at `at`: total · 2^(−(at − L)/h)."""
    if landmark_us is None:
        return 0.0
    half_life = doc.engagement.half_life_days
    if not half_life:
        return total
    return _scale(total, -_half_lives(half_life, _micros(at), landmark_us))


def own_sum(doc: AgreementDocument, state: LeadState, landmark_us: int) -> float:
    """The lead's summed S_r re-expressed at another landmark, to add into an account's sum."""
    if state.landmark_us is None:
        return 0.0
    total = float(sum(state.sums.values()))
    half_life = doc.engagement.half_life_days
    if not half_life:
        return total
    return _scale(total, _half_lives(half_life, state.landmark_us, landmark_us))


def engagement_at(doc: AgreementDocument, state: LeadState, at: datetime) -> EngagementResult:
    """Decayed engagement points at `at`, as scoring.engagement() gives them for the same touches."""
    totals = {rule: decayed(doc, s, state.landmark_us, at) for rule, s in state.sums.items()}
    fired = tuple(Contribution(f"engagement.{r.id}", round(totals[r.id], DECIMALS))
                  for r in doc.engagement.rules if r.id in totals)  # in document order, one line per rule
    # Summed in the order the rules first fired, as the replay's dict is: without decay, the very same float.
    return EngagementResult(round(float(sum(totals.values())), DECIMALS), fired, state.touches,
                            tuple(state.mismatches))


def evaluate_state(doc: AgreementDocument, state: LeadState, fit_result: FitResult, at: datetime,
                   account_engagement: float = 0.0, intent: float = 0.0) -> Evaluation:
    """The lead's evaluation at `at`, as scoring.evaluate() gives it for the same touches."""
    done = {f.activity for f in doc.sales_ready.fast_track if f.activity in state.fast_track}
    return judged(doc, fit_result, engagement_at(doc, state, at), done, account_engagement, intent)


def to_json(state: LeadState) -> dict[str, Any]:
    """The state as JSON-ready data; json.dumps writes each float so that it reads back the same."""
    return {
        "version": state.version,
        "landmark_us": state.landmark_us,
        "newest": list(state.newest) if state.newest is not None else None,
        # Pairs, not an object: the sum order is the replay's, and jsonb would reorder an object's keys.
        "sums": [[rule, s] for rule, s in state.sums.items()],
        "windows": {rule: [[t, c] for t, c in window] for rule, window in state.windows.items()},
        "fast_track": dict(state.fast_track),
        "touches": state.touches,
        "mismatches": list(state.mismatches),
    }


def from_json(data: Mapping[str, Any]) -> LeadState:
    """The state to_json() wrote (possibly through json.dumps and json.loads)."""
    newest = data.get("newest")
    landmark = data.get("landmark_us")
    return LeadState(
        version=int(data["version"]),
        landmark_us=None if landmark is None else int(landmark),
        newest=None if newest is None else (int(newest[0]), str(newest[1])),
        sums={str(rule): float(s) for rule, s in data.get("sums", ())},
        windows={str(rule): [(int(t), float(c)) for t, c in window]
                 for rule, window in data.get("windows", {}).items()},
        fast_track={str(activity): int(t) for activity, t in data.get("fast_track", {}).items()},
        touches=int(data.get("touches", 0)),
        mismatches=[str(m) for m in data.get("mismatches", ())],
    )

