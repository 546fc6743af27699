"""Backtest: stored engagement stepped once, in time order, under two agreement versions with the live
scorer's engine, and compared. Pure.

Each event is stepped as the live scorer steps a batch of one event (scoring/handlers.py): the lead's
engine state takes the touch (engine.apply), its account's forward-decayed sum moves by the lead's
change (scoring/accounts.py), the lead is evaluated at the event's time with fit from its profile and
the other contacts' decayed engagement (engine.evaluate_state), and it qualifies at the first event
after which it is sales-ready (lifecycle.may_qualify: once). Events before `since` step too (they
build states and account sums); only qualifications in [since, until) are reported. Account intent
(scoring/domain/intent.py) is read, as live, from the account's signals observed by the event's time.

Memory: per lead its account key and, per version, its fit, its engine state and when it qualified;
per account and version one sum. Never a lead's history. A state no longer able to change anything
is dropped: that of a lead without an account (or under a version without account engagement) once
it has qualified, or from the start when it can never qualify (disqualified, or a fit below every
tier and fast track). A lead that has qualified, or can never qualify, is not evaluated again: its
state only moves its account. Between its touches a state is kept packed (`_pack`, marshal: exact,
dict order and float bits kept): about 270 bytes instead of 1,400 as objects (dicts, lists, tuples,
boxed numbers), which for 100,000 leads under two versions was 260 MB. Each touch unpacks and packs
it again (about 2.5 us).

Time: evaluating a lead builds its explanation (engagement_at, judged): a fifth of a step when done at each.
A lead is evaluated only when it may be over the line: when it has done a fast-track activity its
fit allows, or when its engagement read from one summed total, plus its account share, is within
MARGIN of the lowest threshold its fit allows. That sum differs from the evaluation's (a rounded sum
of per-rule decayed totals) by the roundings only, far below MARGIN, so no lead over the line is
missed; the qualification itself is still the evaluation's (engine.evaluate_state).
"""

import marshal
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.engine import LeadState, apply, decayed, empty, evaluate_state, own_sum
from services.scorer.scoring.domain.intent import Signal, intent_points
from services.scorer.scoring.domain.lifecycle import may_qualify
from services.scorer.scoring.domain.scoring import FitResult, LeadProfile, Touch, account_key, fit

NO_PROFILE = LeadProfile(email=None, attributes={})  # a lead whose profile row is missing
# Engagement points by which the one-sum reading may fall short of the evaluation's: each of its three
# roundings (to 4 decimals) moves it by at most 0.00005, float error by far less.
MARGIN = 1e-3


class StoredTouch(NamedTuple):
    """One stored engagement event: its lead, the touch, and the tool it came from (a tuple: a
    backtest makes one per stored event, and a frozen dataclass costs several times as much)."""

    lead_key: str
    touch: Touch
    source: str


@dataclass(frozen=True)
class Qualification:
    """A lead handed over in the replay: at which event, in which tier, why."""

    lead_key: str
    qualified_at: datetime
    tier: str | None
    reason: str | None
    source: str
    campaign: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"lead_key": self.lead_key, "qualified_at": self.qualified_at.isoformat(), "tier": self.tier,
                "reason": self.reason, "source": self.source, "campaign": self.campaign}


@dataclass
class _Sum:
    """An account's sum of its contacts' own sums, at one landmark (as scorer.account_states keeps it)."""

    landmark_us: int | None = None
    total: float = 0.0


class _Step:
    """One lead under one version."""

    __slots__ = ("fit", "state", "qualified_at", "fast", "need")

    def __init__(self, fit_result: FitResult, state: bytes | None, fast: tuple[str, ...],
                 need: float | None) -> None:
        self.fit = fit_result
        self.state = state  # packed (_pack); None: dropped, it can change nothing any more
        self.qualified_at: datetime | None = None
        self.fast = fast  # the fast-track activities (values) its fit allows; () if none or disqualified
        self.need = need  # the lowest min_engagement of a tier its fit allows; None if none or disqualified

    @property
    def may_ever_qualify(self) -> bool:
        return bool(self.fast) or self.need is not None


class _Lead:
    __slots__ = ("account", "steps", "in_window")

    def __init__(self, account: str | None, steps: list[_Step]) -> None:
        self.account = account
        self.steps = steps  # one per version, in the order the versions were given
        self.in_window = False  # has an event in [since, until)


class _Version:
    def __init__(self, document: AgreementDocument, version: int) -> None:
        self.document = document
        self.version = version
        self.accounts: dict[str, _Sum] = {}
        self.qualified: dict[str, Qualification] = {}  # in [since, until) only
        self.fits: dict[FitResult, FitResult] = {}  # one object per distinct fit result
        # Read once here, not on every step: pydantic attribute access is slow.
        account = document.engagement.account
        self.shares = account.enabled
        self.weight = account.weight
        self.intent = document.intent
        self.intends = bool(document.intent.rules)
        self.empty = _pack(empty(version))  # shared by every lead until its first touch

    def reach(self, result: FitResult) -> tuple[tuple[str, ...], float | None]:
        """(fast-track activities, lowest engagement threshold) a lead with this fit can qualify by."""
        if result.disqualified:
            return (), None
        ready = self.document.sales_ready
        fast = tuple(f.activity for f in ready.fast_track if result.points >= f.min_fit)
        needs = [t.min_engagement for t in ready.tiers if result.points >= t.min_fit]
        return fast, (min(needs) if needs else None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pack(state: LeadState) -> bytes:
    """The state as marshal bytes (the version is the caller's: one per _Version)."""
    return marshal.dumps((state.landmark_us, state.newest, state.sums, state.windows, state.fast_track,
                          state.touches, state.mismatches))


def _unpack(packed: bytes, version: int) -> LeadState:
    landmark_us, newest, sums, windows, fast_track, touches, mismatches = marshal.loads(packed)
    return LeadState(version, landmark_us, newest, sums, windows, fast_track, touches, mismatches)


class Backtest:
    """Steps a stream of stored touches, in (occurred_at, event key) order, under each version at once."""

    def __init__(self, versions: Sequence[tuple[AgreementDocument, int]], since: datetime, until: datetime,
                 intent: Mapping[str, Sequence[Signal]] | None = None) -> None:
        self._intent = intent or {}  # account key -> its stored intent signals
        self._versions = [_Version(doc, version) for doc, version in versions]
        # A draft that changes only engagement or thresholds has the active version's fit section: a
        # lead's fit (about 30 us each) is then computed once for both.
        self._same_fit = [next((j for j in range(i) if self._versions[j].document.fit == v.document.fit), None)
                          for i, v in enumerate(self._versions)]
        self._since, self._until = _aware(since), _aware(until)
        self._leads: dict[str, _Lead] = {}
        self.events = 0  # touches stepped

    def unknown(self, keys: Iterable[str]) -> list[str]:
        """The lead keys among `keys` whose profile has not been given yet, each once."""
        return [k for k in dict.fromkeys(keys) if k not in self._leads]

    def add_lead(self, lead_key: str, profile: LeadProfile) -> None:
        """Fit (once per version) and account of a lead, from its stored profile."""
        account = account_key(profile)
        steps: list[_Step] = []
        for v, same in zip(self._versions, self._same_fit):
            result = steps[same].fit if same is not None else fit(v.document, profile)
            result = v.fits.setdefault(result, result)
            fast, need = v.reach(result)
            step = _Step(result, None, fast, need)
            # A lead that can never qualify matters only to its account.
            if (account is not None and v.shares) or step.may_ever_qualify:
                step.state = v.empty
            steps.append(step)
        self._leads[lead_key] = _Lead(account, steps)

    def step(self, event: StoredTouch) -> None:
        """One stored touch, under every version."""
        self.advance(event.lead_key, event.touch, event.source)

    def advance(self, lead_key: str, touch: Touch, source: str) -> None:
        """One stored touch of `lead_key` from the tool `source`, under every version (step's parts)."""
        lead = self._leads.get(lead_key)
        if lead is None:
            self.add_lead(lead_key, NO_PROFILE)
            lead = self._leads[lead_key]
        at = _aware(touch.occurred_at)
        if self._since <= at < self._until:
            lead.in_window = True
        self.events += 1
        for v, s in zip(self._versions, lead.steps):
            if s.state is not None:
                s.state = self._settle(v, lead, s, _unpack(s.state, v.version), lead_key, touch, source, at)

    def _settle(self, v: _Version, lead: _Lead, s: _Step, state: LeadState, lead_key: str, touch: Touch,
                source: str, at: datetime) -> bytes | None:
        """Steps `state` by the touch; its packed form, or None when it is dropped."""
        doc = v.document
        account = lead.account if v.shares else None
        acct = None
        if account is not None:
            acct = v.accounts.get(account)
            if acct is None:  # not setdefault: that would build a _Sum at every step
                acct = v.accounts[account] = _Sum()
        before = own_sum(doc, state, acct.landmark_us) \
            if acct is not None and acct.landmark_us is not None and state.landmark_us is not None else 0.0
        apply(doc, state, touch)  # the stream is in the engine's order: never late
        if acct is not None and state.landmark_us is not None:
            # As accounts.py moves a batch's account: take the lead's old own sum away, add the new one.
            if acct.landmark_us is None:
                acct.landmark_us = state.landmark_us
            acct.total -= before
            acct.total += own_sum(doc, state, acct.landmark_us)
        if s.qualified_at is not None or not s.may_ever_qualify \
                or not may_qualify("engaged", s.qualified_at, None, at):
            return _pack(state)  # it cannot qualify (again; the live rule: once): it moves its account only
        fast_done = any(a in state.fast_track for a in s.fast)
        others = 0.0
        if (fast_done or s.need is not None) and acct is not None and state.landmark_us is not None:
            own = decayed(doc, own_sum(doc, state, state.landmark_us), state.landmark_us, at)
            others = decayed(doc, acct.total, acct.landmark_us, at) - own
        if not fast_done and s.need is None:
            return _pack(state)
        signals = self._intent.get(lead.account, ()) if v.intends and lead.account is not None else ()
        intent = intent_points(v.intent, signals, at) if signals else 0.0
        if not fast_done and s.need is not None:
            # One summed total read at `at`, against the lowest threshold: see MARGIN.
            total = decayed(doc, float(sum(state.sums.values())), state.landmark_us, at)
            if total + (v.weight * others if v.shares else 0.0) + v.intent.weight * intent < s.need - MARGIN:
                return _pack(state)
        result = evaluate_state(doc, state, s.fit, at, others, intent)
        if not result.sales_ready:
            return _pack(state)
        s.qualified_at = at
        if self._since <= at < self._until:
            v.qualified[lead_key] = Qualification(lead_key, at, result.tier, result.reason, source, touch.campaign)
        if acct is None:
            return None  # qualified once, and shared with no account: nothing left for it to change
        return _pack(state)

    @property
    def leads_replayed(self) -> int:
        """Leads with at least one event in [since, until)."""
        return sum(1 for lead in self._leads.values() if lead.in_window)

    def qualified(self, index: int) -> dict[str, Qualification]:
        """Lead key -> its qualification in [since, until), under the version at `index`."""
        return self._versions[index].qualified

    def ever_qualified(self, index: int, lead_key: str) -> bool:
        """Whether the lead qualified before `until` under the version at `index` (before `since` too)."""
        lead = self._leads.get(lead_key)
        return lead is not None and lead.steps[index].qualified_at is not None

    def states_kept(self) -> int:
        """Engine states held, over all leads and versions."""
        return sum(1 for lead in self._leads.values() for s in lead.steps if s.state is not None)

    def qualified_keys(self) -> list[str]:
        """Every lead that qualified in the window under some version, sorted."""
        return sorted({k for v in self._versions for k in v.qualified})

    @property
    def versions(self) -> int:
        return len(self._versions)


@dataclass
class Tally:
    sales_ready: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_campaign: Counter[str] = field(default_factory=Counter)
    by_tier: Counter[str] = field(default_factory=Counter)

    def add(self, q: Qualification) -> None:
        self.sales_ready += 1
        self.by_source[q.source] += 1
        self.by_campaign[q.campaign or "(none)"] += 1
        self.by_tier[q.tier or "(none)"] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"sales_ready": self.sales_ready, "by_source": dict(self.by_source),
                "by_campaign": dict(self.by_campaign), "by_tier": dict(self.by_tier)}


def _outcomes(keys: Iterable[str], outcomes: Mapping[str, tuple[str, str | None]]) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for key in keys:
        if key in outcomes:
            status, reason = outcomes[key]
            statuses[status] += 1
            if status == "rejected":
                reasons[reason or "(none)"] += 1
    return {"known": sum(statuses.values()), "by_status": dict(statuses), "rejection_reasons": dict(reasons)}


def compare(backtest: Backtest, outcomes: Mapping[str, tuple[str, str | None]]) -> dict[str, Any]:
    """The report: both versions' qualifications in the window and their tallies, the leads that differ
    (handed over in the window under one version, never before `until` under the other), known outcomes.

    The first version is the draft, the second (if any) the active one."""
    def side(index: int | None) -> dict[str, Qualification]:
        return backtest.qualified(index) if index is not None else {}

    def tally(qualified: Mapping[str, Qualification]) -> dict[str, Any]:
        t = Tally()
        for q in qualified.values():
            t.add(q)
        return {**t.as_dict(), "outcomes": _outcomes(qualified, outcomes)}

    active_index = 1 if backtest.versions > 1 else None
    draft, active = side(0), side(active_index)
    newly = sorted(k for k in draft if active_index is None or not backtest.ever_qualified(active_index, k))
    no_longer = sorted(k for k in active if not backtest.ever_qualified(0, k))
    return {
        "leads_replayed": backtest.leads_replayed,
        "events_replayed": backtest.events,
        "draft": tally(draft),
        "active": tally(active),
        "newly_qualified": newly,
        "no_longer_qualified": no_longer,
        "newly_qualified_outcomes": _outcomes(newly, outcomes),
        "no_longer_qualified_outcomes": _outcomes(no_longer, outcomes),
        "qualifications": {name: [q.as_dict() for _, q in sorted(qualified.items())]
                           for name, qualified in (("draft", draft), ("active", active))},
    }
