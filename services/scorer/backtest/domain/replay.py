"""Backtest: replay stored engagement under two agreement versions and compare. Pure."""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas.events import ActivityKind
from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.scoring import LeadProfile, Touch, evaluate


@dataclass(frozen=True)
class LeadHistory:
    lead_key: str
    profile: LeadProfile
    touches: tuple[Touch, ...]  # in time order
    sources: Mapping[str, str]  # event key -> source of that event


@dataclass(frozen=True)
class Crossing:
    """The moment a lead first became sales-ready in the replay."""

    lead_key: str
    tier: str | None
    reason: str | None
    source: str
    campaign: str | None


@dataclass
class Tally:
    sales_ready: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_campaign: Counter[str] = field(default_factory=Counter)
    by_tier: Counter[str] = field(default_factory=Counter)

    def add(self, c: Crossing) -> None:
        self.sales_ready += 1
        self.by_source[c.source] += 1
        self.by_campaign[c.campaign or "(none)"] += 1
        self.by_tier[c.tier or "(none)"] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"sales_ready": self.sales_ready, "by_source": dict(self.by_source),
                "by_campaign": dict(self.by_campaign), "by_tier": dict(self.by_tier)}


def first_crossing(document: AgreementDocument, lead: LeadHistory) -> Crossing | None:
    """Replays the lead's touches in order; the first touch after which it is sales-ready."""
    for i, touch in enumerate(lead.touches):
        result = evaluate(document, lead.profile, lead.touches[: i + 1], touch.occurred_at)
        if result.sales_ready:
            return Crossing(lead.lead_key, result.tier, result.reason,
                            lead.sources.get(touch.event_key, "unknown"), touch.campaign)
    return None


def replay(document: AgreementDocument, leads: Iterable[LeadHistory], progress: Callable[[], None] = lambda: None
           ) -> dict[str, Crossing]:
    """Lead key -> crossing, for every lead that becomes sales-ready under `document`."""
    out: dict[str, Crossing] = {}
    for lead in leads:
        crossing = first_crossing(document, lead)
        if crossing:
            out[lead.lead_key] = crossing
        progress()
    return out


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


def compare(draft: Mapping[str, Crossing], active: Mapping[str, Crossing] | None,
            outcomes: Mapping[str, tuple[str, str | None]], leads_replayed: int) -> dict[str, Any]:
    """The backtest report: both versions' tallies, the leads that differ, and known outcomes."""
    def tally(crossings: Mapping[str, Crossing]) -> dict[str, Any]:
        t = Tally()
        for c in crossings.values():
            t.add(c)
        return {**t.as_dict(), "outcomes": _outcomes(crossings, outcomes)}

    active = active or {}
    newly = sorted(set(draft) - set(active))
    no_longer = sorted(set(active) - set(draft))
    return {
        "leads_replayed": leads_replayed,
        "draft": tally(draft),
        "active": tally(active),
        "newly_qualified": newly,
        "no_longer_qualified": no_longer,
        "newly_qualified_outcomes": _outcomes(newly, outcomes),
        "no_longer_qualified_outcomes": _outcomes(no_longer, outcomes),
    }


def history_from_rows(lead_key: str, profile: LeadProfile, rows: Sequence[Any]) -> LeadHistory:
    """A LeadHistory from stored touch rows (anything with Touch's fields plus `source`)."""
    touches = tuple(Touch(event_key=r.event_key, activity=ActivityKind(r.activity), occurred_at=r.occurred_at,
                          url=r.url, form=r.form, campaign=r.campaign) for r in rows)
    return LeadHistory(lead_key, profile, touches, {r.event_key: r.source for r in rows})
