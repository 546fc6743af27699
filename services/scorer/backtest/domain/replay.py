"""Backtest: stored engagement stepped once, in time order, under two agreement versions with the live
scorer's engine, and compared. Pure.

Each event is stepped as the live scorer steps a batch of one event (scoring/handlers.py): the lead's
engine state takes the touch (engine.apply), its account's forward-decayed sum moves by the lead's
change (scoring/accounts.py), the lead is evaluated at the event's time with fit from its profile and
the other contacts' decayed engagement (engine.evaluate_state), and it qualifies at the first event
after which it is sales-ready (lifecycle.may_qualify: once). Events before `since` step too (they
build states and account sums); only qualifications in [since, until) are reported.

Memory: per lead its account key and, per version, its fit, its engine state and when it qualified;
per account and version one sum. Never a lead's history. A state no longer able to change anything
is dropped: that of a lead without an account (or under a version without account engagement) once
it has qualified, or from the start when it is disqualified. A lead that has qualified, or is
disqualified, is not evaluated again: its state only moves its account.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.engine import LeadState, apply, decayed, empty, evaluate_state, own_sum
from services.scorer.scoring.domain.lifecycle import may_qualify
from services.scorer.scoring.domain.scoring import FitResult, LeadProfile, Touch, account_key, fit

NO_PROFILE = LeadProfile(email=None, attributes={})  # a lead whose profile row is missing


@dataclass(frozen=True)
class StoredTouch:
    """One stored engagement event: its lead, the touch, and the tool it came from."""

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

    __slots__ = ("fit", "state", "qualified_at")

    def __init__(self, fit_result: FitResult, state: LeadState | None) -> None:
        self.fit = fit_result
        self.state = state  # None: dropped, it can change nothing any more
        self.qualified_at: datetime | None = None


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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Backtest:
    """Steps a stream of stored touches, in (occurred_at, event key) order, under each version at once."""

    def __init__(self, versions: Sequence[tuple[AgreementDocument, int]], since: datetime, until: datetime) -> None:
        self._versions = [_Version(doc, version) for doc, version in versions]
        self._since, self._until = _aware(since), _aware(until)
        self._leads: dict[str, _Lead] = {}
        self.events = 0  # touches stepped

    def unknown(self, keys: Iterable[str]) -> list[str]:
        """The lead keys among `keys` whose profile has not been given yet, each once."""
        return [k for k in dict.fromkeys(keys) if k not in self._leads]

    def add_lead(self, lead_key: str, profile: LeadProfile) -> None:
        """Fit (once per version) and account of a lead, from its stored profile."""
        account = account_key(profile)
        steps = []
        for v in self._versions:
            result = fit(v.document, profile)
            result = v.fits.setdefault(result, result)
            shares = account is not None and v.document.engagement.account.enabled
            # A disqualified lead never qualifies; its state matters only to its account.
            steps.append(_Step(result, empty(v.version) if shares or not result.disqualified else None))
        self._leads[lead_key] = _Lead(account, steps)

    def step(self, event: StoredTouch) -> None:
        """One stored touch, under every version."""
        lead = self._leads.get(event.lead_key)
        if lead is None:
            self.add_lead(event.lead_key, NO_PROFILE)
            lead = self._leads[event.lead_key]
        at = _aware(event.touch.occurred_at)
        if self._since <= at < self._until:
            lead.in_window = True
        self.events += 1
        for v, s in zip(self._versions, lead.steps):
            self._advance(v, lead, s, event, at)

    def _advance(self, v: _Version, lead: _Lead, s: _Step, event: StoredTouch, at: datetime) -> None:
        state = s.state
        if state is None:
            return
        doc = v.document
        account = lead.account if doc.engagement.account.enabled else None
        acct = v.accounts.setdefault(account, _Sum()) if account is not None else None
        before = own_sum(doc, state, acct.landmark_us) \
            if acct is not None and acct.landmark_us is not None and state.landmark_us is not None else 0.0
        apply(doc, state, event.touch)  # the stream is in the engine's order: never late
        if acct is not None and state.landmark_us is not None:
            # As accounts.py moves a batch's account: take the lead's old own sum away, add the new one.
            if acct.landmark_us is None:
                acct.landmark_us = state.landmark_us
            acct.total -= before
            acct.total += own_sum(doc, state, acct.landmark_us)
        if s.fit.disqualified or not may_qualify("engaged", s.qualified_at, None, at):
            return  # it cannot qualify (again; the live rule: once): its state moves its account only
        others = 0.0
        if acct is not None and state.landmark_us is not None:
            own = decayed(doc, own_sum(doc, state, state.landmark_us), state.landmark_us, at)
            others = decayed(doc, acct.total, acct.landmark_us, at) - own
        result = evaluate_state(doc, state, s.fit, at, others)
        if not result.sales_ready:
            return
        s.qualified_at = at
        if self._since <= at < self._until:
            v.qualified[event.lead_key] = Qualification(event.lead_key, at, result.tier, result.reason,
                                                        event.source, event.touch.campaign)
        if acct is None:
            s.state = None  # qualified once, and shared with no account: nothing left for it to change

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
