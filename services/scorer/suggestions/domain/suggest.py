"""A suggestion: features, model, rules, thresholds and the report beside the draft. Pure (time passed in).

The label is "won": a lead whose lifecycle reached `won` is 1; `lost`, or rejected by sales (`recycled`),
is 0; a lead still open (routed, touched, accepted, converted) has no known outcome and is left out.
Leads are ordered by first seen; the first HOLDOUT_SHARE-complement trains, the latest are the holdout.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.agreement.document import AgreementDocument
from services.agreement.scoring_sections import Disqualifier, FitRule, FitSection
from services.scorer.scoring.domain.scoring import LeadProfile, fit, lead_record
from services.scorer.suggestions.domain import model as learn
from services.scorer.suggestions.domain.features import AFTER_HANDOFF, MIN_SUPPORT, Feature, discover, encode, matches
from services.scorer.suggestions.domain.guards import Refused
from services.scorer.suggestions.domain.points import (
    MIN_POINTS,
    POINTS_PER_DOUBLING,
    LearnedRule,
    merged_bins,
    never_wins,
    to_points,
)
from services.scorer.suggestions.domain.quality import quality, top
from services.scorer.suggestions.domain.thresholds import Candidate, choose, qualified

HOLDOUT_SHARE = 0.25
LISTED = 50  # leads named in the report's newly/no longer qualified lists
LABEL = "won (1) against lost or rejected by sales (0)"
LOW = -1e9  # the score of a disqualified lead: below every other


@dataclass(frozen=True)
class OutcomeLead:
    lead_key: str
    profile: LeadProfile
    seen_at: datetime  # first seen: the order of the time-ordered holdout
    won: bool
    touched: frozenset[str] = frozenset()  # engagement rules the lead did before the handoff


@dataclass(frozen=True)
class WindowLead:
    lead_key: str
    profile: LeadProfile
    activities: frozenset[str] = frozenset()
    engagement: float = 0.0
    seen_at: datetime | None = None  # first seen


@dataclass(frozen=True)
class Suggestion:
    document: AgreementDocument
    report: dict[str, Any] = field(default_factory=dict)


DERIVED = ("email", "email_domain", "free_mail")


def _record(profile: LeadProfile, exclude: Collection[str], only: Collection[str]) -> dict[str, Any]:
    return {k: v for k, v in lead_record(profile).items()
            if k not in exclude and (not only or k in only or k in DERIVED)}


def _unique_ids(rules: Sequence[LearnedRule]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for r in rules:
        n = seen.get(r.feature.id, 0)
        seen[r.feature.id] = n + 1
        ids.append(r.feature.id if n == 0 else f"{r.feature.id[:60]}_{n + 1}")
    return ids


def _rule_view(r: LearnedRule, rule_id: str) -> dict[str, Any]:
    return {"id": rule_id, "label": r.feature.label, "coefficient": round(r.coefficient, 4), "points": r.points,
            "support": r.support, "wins": r.wins, "win_rate": r.win_rate}


def _learned(features: Sequence[Feature], fitted: learn.Fitted, outcomes: Sequence[OutcomeLead],
             records: Mapping[str, Mapping[str, Any]]) -> list[LearnedRule]:
    out = []
    for feature, coefficient in zip(features, fitted.coefficients):
        holding = [o for o in outcomes if matches(feature, records[o.lead_key], o.touched)]
        out.append(LearnedRule(feature, coefficient, to_points(coefficient), len(holding),
                               sum(1 for o in holding if o.won)))
    return out


def _draft(base: AgreementDocument, rules: Sequence[LearnedRule], never: Sequence[LearnedRule],
           name: str) -> AgreementDocument:
    fit_rules = [FitRule(id=i, when=r.feature.when, points=r.points) for r, i in zip(rules, _unique_ids(rules))]
    taken = {d.id for d in base.fit.disqualifiers}
    learned = [Disqualifier(id=f"never_{i}"[:64], when=r.feature.when, reason=f"never won: {r.feature.label}")
               for r, i in zip(never, _unique_ids(never)) if f"never_{i}"[:64] not in taken]
    description = (f"Suggested from won and lost leads (docs/predictive.md), starting from {base.name!r}: fit rules"
                   " and points learned (10 points per doubling of the odds), thresholds set for the committed"
                   " volume. Backtest it and read the report before signing.")
    return base.model_copy(update={
        "name": name, "description": description,
        "fit": FitSection(rules=tuple(fit_rules), disqualifiers=(*base.fit.disqualifiers, *learned))})


def suggest(base: AgreementDocument, outcomes: Sequence[OutcomeLead], window: Sequence[WindowLead],
            since: datetime, until: datetime, *, per_week: float | None = None, exclude: Collection[str] = (),
            only: Collection[str] = (), min_support: int = MIN_SUPPORT) -> Suggestion:
    """The draft learned from `outcomes` (guards already passed) and its report; `window` sets the volume."""
    ordered = sorted(outcomes, key=lambda o: (o.seen_at, o.lead_key))
    split = len(ordered) - max(1, int(len(ordered) * HOLDOUT_SHARE))
    train, holdout = ordered[:split], ordered[split:]
    records = {o.lead_key: _record(o.profile, exclude, only) for o in ordered}
    engagement_rules = [r.id for r in base.engagement.rules]
    features = discover([records[o.lead_key] for o in train], engagement_rules, min_support)
    labels = [int(o.won) for o in train]
    if len(set(labels)) < 2:
        raise Refused("one_class", f"the {len(train)} earliest leads with a known outcome (the training part) were"
                                   " all of one class; widen the window", {"training": len(train),
                                                                             "won": sum(labels)})

    def rows(feats: Sequence[Feature], leads: Sequence[OutcomeLead]) -> list[list[float]]:
        return [encode(feats, records[o.lead_key], o.touched) for o in leads]

    first = learn.train(rows(features, train), labels)
    features = merged_bins(features, first.coefficients)
    fitted = learn.train(rows(features, train), labels)
    learned = _learned(features, fitted, ordered, records)
    base_rate = sum(o.won for o in ordered) / len(ordered)
    fit_like = [r for r in learned if r.feature.kind != "engagement"]
    never = [r for r in fit_like if never_wins(r.support, r.wins, base_rate, min_support)]
    rules = sorted((r for r in fit_like if r not in never and abs(r.points) >= MIN_POINTS),
                   key=lambda r: (-abs(r.points), r.feature.id))
    draft = _draft(base, rules, never, f"Suggested from outcomes {since:%Y-%m-%d} to {until:%Y-%m-%d}")

    # Weeks of leads: from the first lead the window holds (a young deployment has less than the window).
    earliest = min((w.seen_at for w in window if w.seen_at is not None), default=since)
    weeks = max((until - max(since, earliest)) / timedelta(days=7), 1 / 7)
    target = per_week if per_week is not None else float(base.commitments.sales_ready_per_week)
    draft_leads = [Candidate(w.lead_key, fit(draft, w.profile), w.activities, w.engagement) for w in window]
    base_leads = [Candidate(w.lead_key, fit(base, w.profile), w.activities, w.engagement) for w in window]
    draft, threshold, volume = choose(draft, draft_leads, weeks, target)
    draft = AgreementDocument.model_validate(draft.model_dump(mode="json", by_alias=True))
    by_key = {c.lead_key: c for c in draft_leads}
    drafted = qualified(draft, draft_leads)
    active = qualified(base, base_leads)

    hold = {o.lead_key: int(o.won) for o in holdout}
    model_scores = {o.lead_key: learn.probability(fitted, encode(features, records[o.lead_key], o.touched))
                    for o in holdout}

    def points(doc: AgreementDocument) -> dict[str, float]:
        out = {}
        for o in holdout:
            f = by_key[o.lead_key].fit if doc is draft and o.lead_key in by_key else fit(doc, o.profile)
            out[o.lead_key] = LOW if f.disqualified else f.points
        return out

    draft_hold = {k for k in hold if k in drafted}
    engagement = [r for r in learned if r.feature.kind == "engagement"]
    report = {
        "label": LABEL,
        "window": {"since": since.isoformat(), "until": until.isoformat(), "weeks": round(weeks, 2)},
        "outcomes": {"known": len(ordered), "won": sum(o.won for o in ordered),
                     "lost_or_rejected": sum(not o.won for o in ordered), "training": len(train),
                     "holdout": len(holdout), "holdout_from": holdout[0].seen_at.isoformat()},
        "scale": f"{POINTS_PER_DOUBLING:g} points per doubling of the odds of winning",
        "features_considered": len(features),
        "left_out": sorted({k for o in ordered for k in lead_record(o.profile)} & AFTER_HANDOFF | set(exclude)),
        "rules": [_rule_view(r, i) for r, i in zip(rules, _unique_ids(rules))],
        "disqualifiers": [_rule_view(r, f"never_{i}") for r, i in zip(never, _unique_ids(never))],
        "engagement_weights": [_rule_view(r, r.feature.rule or r.feature.id) for r in engagement],
        "thresholds": {"min_fit": threshold, "committed_per_week": target,
                       "draft_per_week": round(volume / weeks, 2), "active_per_week": round(len(active) / weeks, 2)},
        "holdout_quality": {
            "model": quality(hold, model_scores, top(model_scores, len(draft_hold))),
            "draft": quality(hold, points(draft), draft_hold),
            "active": quality(hold, points(base), {k for k in hold if k in active}),
        },
        "newly_qualified": {"count": len(drafted - active), "leads": sorted(drafted - active)[:LISTED]},
        "no_longer_qualified": {"count": len(active - drafted), "leads": sorted(active - drafted)[:LISTED]},
        "model": {"kind": "logistic regression, L1 (scikit-learn liblinear)", "c": learn.C,
                  "intercept": round(fitted.intercept, 4),
                  "factors": [{"id": r.feature.id, "label": r.feature.label, "coefficient": round(r.coefficient, 4),
                               "rule": r.feature.rule,
                               "when": [c.model_dump(mode="json", by_alias=True, exclude_none=True)
                                        for c in r.feature.when]}
                              for r in learned if r.coefficient]},
    }
    return Suggestion(draft, report)
