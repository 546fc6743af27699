"""Fit and engagement scores under an agreement, and whether a lead is sales-ready. Pure.

Time is passed in (`at`), never read: replaying the same touches at the same `at` gives the same
scores, whatever order the touches come in.

Fit rules and disqualifiers see the lead's attributes as given (the agreement uses their snake_case
names: company, title, employees, industry, country, website…) plus derived fields, which win
over an attribute of the same name:
  email         the lead's email, if any
  email_domain  the lower-cased domain of that email
  free_mail     whether email_domain belongs to a free mail provider (services.agreement.domains, the
                one rule both services use: yahoo.co.uk and hotmail.fr count); absent without an email
A value of the wrong type for a condition (employees "lots" under a range) is a non-match, and
recorded in `mismatches`; it never raises.

A touch counts only if the agreement knows its activity (`recognised`): a built-in kind, or a
custom kind the document declares whose conditions hold. A touch of an undeclared kind is kept and
counted among the touches, scores nothing and adds `activity: 'x' is not declared…` to the mismatches.
"""

import math
from collections import deque
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.agreement.document import AgreementDocument
from services.agreement.domains import is_free_mail, lead_domains, registrable_domain
from services.agreement.scoring_sections import Cap
from services.shared.conditions import Condition, Outcome
from services.shared.conditions import evaluate as check

DECIMALS = 4  # scores and contributions are rounded to this in results, never while summing
_PLAIN = (str, int, float, bool)


@dataclass(frozen=True)
class LeadProfile:
    email: str | None
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class Touch:
    event_key: str
    activity: str  # a built-in ActivityKind value or a custom kind
    occurred_at: datetime
    url: str | None = None
    form: str | None = None
    campaign: str | None = None


@dataclass(frozen=True)
class Contribution:
    rule: str
    points: float


@dataclass(frozen=True)
class FitResult:
    points: float
    contributions: tuple[Contribution, ...]
    disqualified: str | None  # the reason of the first matching disqualifier
    disqualifier: str | None  # its id
    mismatches: tuple[str, ...]


@dataclass(frozen=True)
class EngagementResult:
    points: float
    contributions: tuple[Contribution, ...]
    touches: int  # touches at or before `at`, after removing duplicate event keys
    mismatches: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    fit: float
    engagement: float
    account_engagement: float
    disqualified: str | None
    sales_ready: bool
    tier: str | None
    reason: str | None  # fast_track:<activity>, threshold:<tier> or disqualified:<reason>
    explanation: tuple[Contribution, ...]
    mismatches: tuple[str, ...]
    touches: int = 0

    @property
    def lifecycle(self) -> str:
        """new -> engaged -> sales_ready, or disqualified."""
        if self.disqualified:
            return "disqualified"
        if self.sales_ready:
            return "sales_ready"
        return "engaged" if self.touches else "new"


def _holds(where: str, conditions: Iterable[Condition], record: Mapping[str, Any], mismatches: list[str]) -> bool:
    """All conditions hold; every type mismatch is added to `mismatches`, prefixed with `where`."""
    held = True
    for condition in conditions:
        value = record.get(condition.field)
        if condition.exists is None and value is not None and not isinstance(value, _PLAIN):
            # a list or a mapping would make `in` raise (unhashable); it fits no operator anyway
            outcome = Outcome(False, f"{condition.field}: {type(value).__name__} is not a plain value")
        else:
            outcome = check(condition, record)
        if outcome.mismatch and f"{where}: {outcome.mismatch}" not in mismatches:
            mismatches.append(f"{where}: {outcome.mismatch}")
        held = held and outcome.matched
    return held


def _domain(value: Any) -> str | None:
    """The lower-cased host of an email address or a website, without `www.`."""
    if not isinstance(value, str) or not value.strip():
        return None
    host = value.strip().lower().rsplit("@", 1)[-1]
    host = host.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    host = host.removeprefix("www.").strip(".")
    return host or None


def lead_record(profile: LeadProfile) -> dict[str, Any]:
    """What fit rules see: the attributes as given plus the derived email fields."""
    record = dict(profile.attributes) if isinstance(profile.attributes, Mapping) else {}
    domain = _domain(profile.email) if profile.email and "@" in profile.email else None
    if domain:
        free = is_free_mail(registrable_domain(domain) or domain)
        record.update(email=profile.email, email_domain=domain, free_mail=free)
    return record


def account_key(profile: LeadProfile) -> str | None:
    """The company that groups contacts into one account: the registrable domain of a business email,
    else of the website or company_domain (services.agreement.domains, as the router matches accounts)."""
    attributes = profile.attributes if isinstance(profile.attributes, Mapping) else {}
    found = lead_domains(profile.email, attributes)
    return found[0] if found else None


def fit(doc: AgreementDocument, profile: LeadProfile) -> FitResult:
    """Fit points with every rule that fired; the first matching disqualifier's reason, if any."""
    record = lead_record(profile)
    mismatches: list[str] = []
    disqualifier = next((d for d in doc.fit.disqualifiers
                         if _holds(f"disqualifier.{d.id}", d.when, record, mismatches)), None)
    # Points are still computed for a disqualified lead, so the explanation shows what it would have had.
    fired = [Contribution(f"fit.{r.id}", r.points) for r in doc.fit.rules
             if _holds(f"fit.{r.id}", r.when, record, mismatches)]
    return FitResult(round(float(sum(c.points for c in fired)), DECIMALS), tuple(fired),
                     disqualifier.reason if disqualifier else None, disqualifier.id if disqualifier else None,
                     tuple(mismatches))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # naive means UTC, never a crash


def timeline(touches: Iterable[Touch], at: datetime) -> list[Touch]:
    """Touches at or before `at` in event-time order (ties by event key), each event key once."""
    seen: set[str] = set()
    out = []
    until = _aware(at)
    for t in sorted(touches, key=lambda t: (_aware(t.occurred_at), t.event_key)):
        if _aware(t.occurred_at) <= until and t.event_key not in seen:
            seen.add(t.event_key)
            out.append(t)
    return out


def undeclared(activity: str) -> str:
    """The mismatch a touch of an activity the agreement does not declare records."""
    return f"activity: {activity!r} is not declared by the agreement, so it scores nothing"


def recognised(doc: AgreementDocument, touch: Touch, mismatches: list[str]) -> bool:
    """Whether the touch counts under `doc`: a built-in kind, or a declared kind whose conditions hold.
    An undeclared kind adds its mismatch (once); both the replay and the engine ask this first."""
    kind = doc.custom_kind(touch.activity)
    if kind is None:
        if doc.declares(touch.activity):
            return True
        if undeclared(touch.activity) not in mismatches:
            mismatches.append(undeclared(touch.activity))
        return False
    if not kind.when:
        return True
    fields = {"url": touch.url, "form": touch.form, "campaign": touch.campaign}
    return _holds(f"activity.{kind.name}", kind.when, fields, mismatches)


def _capped(points: float, cap: Cap | None, window: deque[tuple[datetime, float]], when: datetime) -> float:
    """The part of `points` the cap leaves room for, given what the rule counted in the window ending now."""
    if cap is None:
        return points
    while window and window[0][0] <= when - timedelta(days=cap.window_days):
        window.popleft()  # counted in (when - window_days, when] only
    room = max(0.0, cap.points - sum(abs(p) for _, p in window))
    counted = math.copysign(min(abs(points), room), points)
    window.append((when, counted))
    return counted


def engagement(doc: AgreementDocument, touches: Iterable[Touch], at: datetime) -> EngagementResult:
    """Decayed engagement points at `at`: first matching rule per touch, capped, halved every half-life."""
    return _engagement(doc, timeline(touches, at), at)


def _engagement(doc: AgreementDocument, history: list[Touch], at: datetime) -> EngagementResult:
    """engagement() over a timeline already made."""
    section = doc.engagement
    mismatches: list[str] = []
    windows: dict[str, deque[tuple[datetime, float]]] = {r.id: deque() for r in section.rules}
    totals: dict[str, float] = {}
    now, day = _aware(at), timedelta(days=1)
    for touch in history:
        if not recognised(doc, touch, mismatches):
            continue
        candidates = section.rules_for(touch.activity)
        if not candidates:
            continue
        fields = {"url": touch.url, "form": touch.form, "campaign": touch.campaign}
        rule = next((r for r in candidates
                     if not r.when or _holds(f"engagement.{r.id}", r.when, fields, mismatches)), None)
        if rule is None:
            continue
        when = _aware(touch.occurred_at)
        counted = _capped(rule.points, rule.cap, windows[rule.id], when)
        decay = 0.5 ** (((now - when) / day) / section.half_life_days) if section.half_life_days else 1.0
        totals[rule.id] = totals.get(rule.id, 0.0) + counted * decay
    fired = tuple(Contribution(f"engagement.{r.id}", round(totals[r.id], DECIMALS))
                  for r in section.rules if r.id in totals)  # in document order, one line per rule
    return EngagementResult(round(float(sum(totals.values())), DECIMALS), fired, len(history), tuple(mismatches))


def decide(doc: AgreementDocument, fit_result: FitResult, activities: Container[str], total: float
           ) -> tuple[str | None, str | None]:
    """(tier, reason) of a lead that has done `activities` and has `total` engagement, else (None, None)."""
    if fit_result.disqualified:
        return None, None
    for fast in doc.sales_ready.fast_track:
        if fast.activity in activities and fit_result.points >= fast.min_fit:
            return fast.tier, f"fast_track:{fast.activity}"
    for tier in doc.sales_ready.tiers:
        if fit_result.points >= tier.min_fit and total >= tier.min_engagement:
            return tier.name, f"threshold:{tier.name}"
    return None, None


def evaluate(doc: AgreementDocument, profile: LeadProfile, touches: Iterable[Touch], at: datetime,
             account_engagement: float = 0.0, fit_result: FitResult | None = None, intent: float = 0.0) -> Evaluation:
    """The lead's scores at `at`, whether it is sales-ready, in which tier, why, and every rule that fired.

    `account_engagement` is the summed engagement of the other contacts of the lead's account;
    `fit_result`, when the caller has it (a cache), must be `fit(doc, profile)`; `intent` is the
    account's decayed intent points at `at` (intent.intent_points).
    """
    history = timeline(touches, at)
    fit_result, eng = fit_result or fit(doc, profile), _engagement(doc, history, at)
    done = {t.activity for t in history if recognised(doc, t, [])}
    return judged(doc, fit_result, eng, done, account_engagement, intent)


def judged(doc: AgreementDocument, fit_result: FitResult, eng: EngagementResult, activities: Container[str],
           account_engagement: float, intent: float = 0.0) -> Evaluation:
    """The evaluation of a lead with this fit and engagement that has done `activities`: the one place
    both the replay and the incremental engine (engine.py) decide and explain. The account share is
    the other contacts' part and the account's intent part (`intent.weight` of `intent`)."""
    account = doc.engagement.account
    shared = round(account.weight * account_engagement, DECIMALS) if account.enabled else 0.0
    intended = round(doc.intent.weight * intent, DECIMALS) if doc.intent.rules else 0.0
    tier, reason = decide(doc, fit_result, activities, round(eng.points + shared + intended, DECIMALS))
    explanation = [*fit_result.contributions, *eng.contributions]
    if shared:
        explanation.append(Contribution("account", shared))
    if intended:
        explanation.append(Contribution("intent", intended))
    if fit_result.disqualifier:
        explanation.append(Contribution(f"disqualifier.{fit_result.disqualifier}", 0.0))
        reason = f"disqualified:{fit_result.disqualified}"
    elif reason and reason.startswith("fast_track:"):
        explanation.append(Contribution(f"sales_ready.{reason.replace(':', '.')}", 0.0))
    return Evaluation(fit_result.points, eng.points, round(shared + intended, DECIMALS), fit_result.disqualified,
                      tier is not None, tier, reason, tuple(explanation), fit_result.mismatches + eng.mismatches,
                      eng.touches)
