"""Features a suggestion learns from, each one the agreement can already express as a fit condition. Pure.

Categorical attributes one-hot (`industry = fintech`), numeric attributes binned into ranges on a
1-2-5 ladder (`employees in [50, 100)`), title keywords (`title ~ \\bvp\\b`), email domain traits (free
mail, an academic domain, no company) and, for the model only, engagement per rule of the agreement in
force (the lead did it at least once before the handoff).
"""

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from services.agreement.scoring_sections import EngagementRule
from services.scorer.scoring.domain.scoring import Touch
from services.shared.conditions import Condition, evaluate_all

FeatureKind = Literal["categorical", "numeric", "title", "email", "engagement"]
MIN_SUPPORT = 20  # leads a feature must cover to be learned from at all
MAX_VALUES = 30  # a text attribute with more distinct values (company names, cities) is no category
MAX_KEYWORDS = 40
# Attributes that name a lead or a company: no category, they would only memorise the leads.
IDENTIFYING = frozenset({"email", "email_domain", "company", "website", "company_domain", "name", "first_name",
                         "last_name", "full_name", "phone", "linkedin", "city", "street", "zip", "postcode"})
# Set after the handoff (by sales, the CRM, the router): learning from them is learning the outcome.
AFTER_HANDOFF = frozenset({"rep", "rep_id", "owner", "owner_id", "owner_email", "assigned_rep", "assigned_to",
                           "lifecycle", "lifecycle_stage", "lead_status", "status", "stage", "deal_stage",
                           "opportunity", "opportunity_id", "deal_id", "deal_amount", "outcome", "won", "lost",
                           "closed", "close_date", "converted", "rejected", "rejection_reason", "crm_status"})
ACADEMIC = r"\.(edu|ac\.[a-z]{2})$"
STOPWORDS = frozenset({"of", "the", "and", "for", "in", "at", "to", "a", "an", "de", "und"})
_LADDER = tuple(m * 10 ** e for e in range(0, 7) for m in (1, 2, 5))


@dataclass(frozen=True)
class Feature:
    """One 0/1 column: a fit condition set (`when`, all must hold) or an engagement rule done (`rule`)."""

    id: str
    kind: FeatureKind
    label: str  # for people: "industry = fintech", "employees 50 to 99"
    when: tuple[Condition, ...] = ()
    rule: str | None = None  # engagement features: the engagement rule's id
    attribute: str | None = None  # numeric bins: the binned attribute, for merging neighbours
    bounds: tuple[float | None, float | None] = (None, None)  # numeric bins: [gte, lt)
    extra: Mapping[str, Any] = field(default_factory=dict)


def slug(*parts: Any) -> str:
    """A rule id the agreement accepts: lower-case letters, digits, `_`, at most 64 characters."""
    text = "_".join(str(p) for p in parts).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "x"
    return text[:64].rstrip("_")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def ladder_edges(values: Sequence[float], min_support: int = MIN_SUPPORT) -> list[float]:
    """Bin edges from the 1-2-5 ladder, keeping only edges that leave each bin `min_support` values."""
    ordered = sorted(values)
    edges: list[float] = []
    last = -math.inf
    for edge in _LADDER:
        below = sum(1 for v in ordered if last <= v < edge)
        above = sum(1 for v in ordered if v >= edge)
        if below >= min_support and above >= min_support:
            edges.append(float(edge))
            last = edge
    return edges


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def numeric_bins(attribute: str, values: Sequence[float], min_support: int = MIN_SUPPORT) -> list[Feature]:
    """One feature per range between ladder edges: [-inf, e1), [e1, e2), ..., [ek, inf)."""
    edges = ladder_edges(values, min_support)
    if not edges:
        return []
    bounds = [(None, edges[0]), *zip(edges, edges[1:]), (edges[-1], None)]
    return [bin_feature(attribute, lo, hi) for lo, hi in bounds]


def bin_feature(attribute: str, lo: float | None, hi: float | None) -> Feature:
    """The feature `attribute in [lo, hi)` (an open end where a bound is None)."""
    rng: dict[str, float] = {}
    if lo is not None:
        rng["gte"] = lo
    if hi is not None:
        rng["lt"] = hi
    if lo is None:
        label, name = f"{attribute} below {_fmt(hi or 0)}", slug(attribute, "lt", _fmt(hi or 0))
    elif hi is None:
        label, name = f"{attribute} {_fmt(lo)} or more", slug(attribute, _fmt(lo), "plus")
    else:
        label, name = f"{attribute} {_fmt(lo)} to {_fmt(hi - 1) if float(hi).is_integer() else _fmt(hi)}", \
            slug(attribute, _fmt(lo), _fmt(hi))
    return Feature(name, "numeric", label, (Condition(field=attribute, range=rng),), attribute=attribute,
                   bounds=(lo, hi))


def title_keywords(titles: Iterable[Any], min_support: int = MIN_SUPPORT) -> list[str]:
    """Words of job titles that `min_support` leads share, most common first."""
    counts: Counter[str] = Counter()
    for title in titles:
        if isinstance(title, str):
            counts.update({w for w in re.findall(r"[a-z][a-z0-9]+", title.lower()) if w not in STOPWORDS})
    return [w for w, n in counts.most_common(MAX_KEYWORDS) if n >= min_support]


def discover(records: Sequence[Mapping[str, Any]], engagement_rules: Sequence[str] = (),
             min_support: int = MIN_SUPPORT) -> list[Feature]:
    """The features worth learning from in these lead records (`lead_record`s), in a stable order."""
    features: list[Feature] = []
    keys = sorted({k for r in records for k in r} - IDENTIFYING - AFTER_HANDOFF - {"free_mail", "title"})
    for key in keys:
        present = [r[key] for r in records if r.get(key) not in (None, "")]
        numbers = [n for n in (_number(v) for v in present) if n is not None]
        if len(numbers) >= max(min_support, len(present) // 2):
            features += numeric_bins(key, numbers, min_support)
            continue
        texts = Counter(v.strip().lower() for v in present if isinstance(v, str) and v.strip())
        if 1 < len(texts) <= MAX_VALUES:
            originals = {v.strip().lower(): v.strip() for v in present if isinstance(v, str)}
            features += [Feature(slug(key, value), "categorical", f"{key} = {originals[value]}",
                                 (Condition(field=key, equals=originals[value]),))
                         for value, n in sorted(texts.items()) if n >= min_support]
    features += [Feature(slug("title", w), "title", f"title has '{w}'",
                         (Condition(field="title", regex=rf"(?i)\b{w}\b"),))
                 for w in title_keywords((r.get("title") for r in records), min_support)]
    features += [f for f in email_traits() if sum(1 for r in records if matches(f, r)) >= min_support]
    features += [Feature(slug("engaged", rule), "engagement", f"did {rule}", rule=rule) for rule in engagement_rules]
    return features


def email_traits() -> list[Feature]:
    """Traits of the email domain, with the one free-mail rule of services/agreement/domains.py."""
    return [
        Feature("free_mail", "email", "free mail address", (Condition(field="free_mail", equals=True),)),
        Feature("academic_email", "email", "academic email domain", (Condition(field="email_domain", regex=ACADEMIC),)),
        Feature("no_company", "email", "no company given", (Condition(field="company", exists=False),)),
    ]


def matches(feature: Feature, record: Mapping[str, Any], touched: Iterable[str] = ()) -> bool:
    """Whether the feature holds for a lead: its conditions on the record, or its rule among `touched`."""
    if feature.rule is not None:
        return feature.rule in set(touched)
    held, _ = evaluate_all(feature.when, record)
    return held


def encode(features: Sequence[Feature], record: Mapping[str, Any], touched: Iterable[str] = ()) -> list[float]:
    """The lead's row: 1.0 where a feature holds, else 0.0."""
    done = set(touched)
    return [1.0 if matches(f, record, done) else 0.0 for f in features]


def touched_rules(rules_for: Callable[[str], Sequence[EngagementRule]], touches: Iterable[Touch],
                  cutoff: datetime | None) -> frozenset[str]:
    """The engagement rules a lead's touches up to `cutoff` (the handoff) matched, first rule per touch."""
    done: set[str] = set()
    for touch in touches:
        if cutoff is not None and touch.occurred_at > cutoff:
            continue  # after the handoff: sales' doing, or the outcome's
        fields = {"url": touch.url, "form": touch.form, "campaign": touch.campaign}
        rule = next((r for r in rules_for(touch.activity) if evaluate_all(r.when, fields)[0]), None)
        if rule is not None:
            done.add(rule.id)
    return frozenset(done)
