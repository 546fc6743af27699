"""The agreement document: the shared lead definition and SLA rules, as validated data (DESIGN §4).

Written in YAML or JSON (services.agreement.text reads and writes it), validated by these models and
never executed: every rule condition is a services.shared.conditions.Condition. Errors name their
path in the document, e.g. `engagement.rules[3].points`.
"""

import re
from datetime import date, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    field_validator,
    model_validator,
)

from schemas.bounds import Strict
from schemas.events import BUILT_IN_ACTIVITIES, Activity
from services.shared.conditions import Condition

DOCUMENT = "(document)"  # the path of an error that belongs to no one field
TOUCH_FIELDS = ("url", "form", "campaign")  # what an engagement rule may match on

Points = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]  # rule ids and tier names


class Problems(ValueError):
    """Errors found across fields, each with a path relative to the model that found them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


def _check_unique(values: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append((path.format(i=i), f"duplicate {what} {value!r}"))
        seen.add(value)
    if problems:
        raise Problems(problems)


def _non_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    # Not Field(min_length=1): that also fires when an item failed, adding a confusing second error.
    if not items:
        raise ValueError("needs at least one item")
    return items


NonEmpty = AfterValidator(_non_empty)


def _hhmm(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 17:30 as the integer 1050; refuse it rather than guess.
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    raise ValueError("expected a time of day as 'HH:MM' (quote it in YAML: '17:30')")


ClockTime = Annotated[time, BeforeValidator(_hhmm), PlainSerializer(lambda t: t.strftime("%H:%M"),
                                                                     return_type=str, when_used="json")]


class _Model(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FitRule(_Model):
    id: Name
    when: Annotated[tuple[Condition, ...], NonEmpty]  # all must hold
    points: Points


class Disqualifier(_Model):
    id: Name
    when: Annotated[tuple[Condition, ...], NonEmpty]  # all must hold
    reason: str = Field(min_length=1, max_length=200)


class FitSection(_Model):
    rules: tuple[FitRule, ...] = ()
    disqualifiers: tuple[Disqualifier, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> "FitSection":
        _check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        _check_unique([d.id for d in self.disqualifiers], "disqualifiers[{i}].id", "id")
        return self


class Cap(_Model):
    """At most `points` (in magnitude) from one rule within any `window_days` window."""

    points: float = Field(gt=0, allow_inf_nan=False)
    window_days: float = Field(gt=0, allow_inf_nan=False)


def _touch_fields_only(when: tuple[Condition, ...]) -> tuple[Condition, ...]:
    bad = [(f"[{i}].field", f"a touch has only {list(TOUCH_FIELDS)}; got {c.field!r}")
           for i, c in enumerate(when) if c.field not in TOUCH_FIELDS]
    if bad:
        raise Problems(bad)
    return when


TouchConditions = Annotated[tuple[Condition, ...], AfterValidator(_touch_fields_only)]


class CustomKind(_Model):
    """An activity kind of the agreement's own (a tool's custom event), beside the built-in ones."""

    name: Name
    description: str = Field(min_length=1, max_length=500)
    when: TouchConditions = ()  # on the touch's url, form, campaign: a touch of the kind counts only if all hold

    @field_validator("name")
    @classmethod
    def _not_built_in(cls, name: str) -> str:
        if name in BUILT_IN_ACTIVITIES:
            raise ValueError(f"{name!r} is a built-in activity; declare only new kinds")
        return name


class EngagementRule(_Model):
    id: Name
    activity: Activity  # built-in, or declared in the document's `activities`
    when: TouchConditions = ()  # on the touch's url, form, campaign; all must hold
    points: Points  # negative for unsubscribes, bounces
    cap: Cap | None = None


class AccountEngagement(_Model):
    enabled: bool = False
    weight: float = Field(default=0.5, ge=0, le=1)  # share of the other contacts' summed engagement


class EngagementSection(_Model):
    rules: tuple[EngagementRule, ...] = ()  # in priority order: the first matching rule scores a touch
    half_life_days: float | None = Field(default=None, gt=0, allow_inf_nan=False)  # None: no decay
    account: AccountEngagement = AccountEngagement()
    # Derived once per document, not per lead scored: the rules each activity can match, in order.
    _by_activity: dict[str, tuple[EngagementRule, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> "EngagementSection":
        _check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        return self

    def model_post_init(self, context: Any) -> None:
        by_activity: dict[str, list[EngagementRule]] = {}
        for rule in self.rules:
            by_activity.setdefault(rule.activity, []).append(rule)
        self._by_activity = {activity: tuple(rules) for activity, rules in by_activity.items()}

    def rules_for(self, activity: str) -> tuple[EngagementRule, ...]:
        """The rules a touch of `activity` can match, in the document's order."""
        return self._by_activity.get(activity, ())


class StrengthBand(_Model):
    """A signal at least `min_strength` strong (0-100) gives `points`."""

    min_strength: float = Field(ge=0, le=100, allow_inf_nan=False)
    points: Points


class IntentRule(_Model):
    """Points for account-level intent on some topics: the highest band a signal reaches gives its points."""

    id: Name
    topics: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()  # any case; none: every topic
    bands: Annotated[tuple[StrengthBand, ...], NonEmpty]

    @model_validator(mode="after")
    def _distinct_bands(self) -> "IntentRule":
        _check_unique([str(b.min_strength) for b in self.bands], "bands[{i}].min_strength", "band")
        return self


class IntentSection(_Model):
    """Third-party intent on the account (topic, strength), decayed, counted in the account's engagement."""

    rules: tuple[IntentRule, ...] = ()  # in priority order: the first rule whose topics match scores a signal
    half_life_days: float | None = Field(default=14, gt=0, allow_inf_nan=False)  # None: no decay
    weight: float = Field(default=1.0, ge=0, le=1)  # share of the account's decayed intent points a lead gets

    @model_validator(mode="after")
    def _unique_ids(self) -> "IntentSection":
        _check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        return self


class KeyAccountRule(_Model):
    """Conditions that make a lead's company a key account (on its attributes and routing facts)."""

    id: Name
    when: Annotated[tuple[Condition, ...], NonEmpty]  # all must hold


class KeyAccounts(_Model):
    """The accounts both teams treat as key: named by domain or by conditions, with an SLA tier of their own."""

    domains: tuple[Annotated[str, Field(min_length=3, max_length=253)], ...] = Field(default=(), max_length=10_000)
    rules: tuple[KeyAccountRule, ...] = ()  # any one that holds makes the lead's account key
    sla_tier: Name | None = None  # one of sla.tiers; None: a key account keeps the lead's tier

    @model_validator(mode="after")
    def _unique_ids(self) -> "KeyAccounts":
        _check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        return self


class Persona(_Model):
    """A role in the buying group (decision maker, champion, technical evaluator...), by conditions on the lead."""

    id: Name
    description: str = Field(default="", max_length=500)
    when: Annotated[tuple[Condition, ...], NonEmpty]  # on the lead's attributes (title, role...); all must hold


class BuyingGroup(_Model):
    """When an account is sales-ready: its decayed engagement, its best contact's fit and how many
    distinct personas among its engaged contacts reach these thresholds."""

    personas: tuple[Persona, ...] = ()  # in order: a contact is the first persona it matches
    min_personas: int = Field(default=2, ge=0, le=50)
    min_engagement: Points = 0  # the account's decayed engagement: its contacts' own plus its intent share
    min_fit: Points = 0  # the best fit among its engaged contacts
    tier: Name | None = None  # the SLA tier of a sales-ready account; None: accounts never qualify

    @model_validator(mode="after")
    def _consistent(self) -> "BuyingGroup":
        _check_unique([p.id for p in self.personas], "personas[{i}].id", "id")
        if self.tier is not None and self.min_personas > len(self.personas):
            raise Problems([("min_personas", f"needs {self.min_personas} personas, but {len(self.personas)} "
                                             "are named")])
        return self


class Tier(_Model):
    name: Name
    min_fit: Points = 0
    min_engagement: Points = 0


class FastTrack(_Model):
    activity: Activity  # built-in, or declared in the document's `activities`
    tier: Name
    min_fit: Points = 0


class SalesReady(_Model):
    tiers: tuple[Tier, ...] = ()  # in priority order: the first satisfied tier wins
    fast_track: tuple[FastTrack, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "SalesReady":
        if not self.tiers and not self.fast_track:
            raise ValueError("needs tiers or fast_track, or no lead can ever be sales-ready")
        _check_unique([t.name for t in self.tiers], "tiers[{i}].name", "tier")
        _check_unique([f.activity for f in self.fast_track], "fast_track[{i}].activity", "activity")
        return self


class Breach(_Model):
    escalate: bool = True
    reassign_max: int = Field(default=1, ge=0, le=10)
    then: Literal["unworked"] = "unworked"
    # The ping-pong guard: a reassignment skips the lead's last N assignees, across all its handoffs.
    # Unset, every earlier assignee of this handoff is skipped (and none of an earlier handoff's).
    exclude_last: int | None = Field(default=None, ge=1, le=50)


class SlaTier(_Model):
    name: Name
    # Bounded (a year of business minutes and more), so that whatever validates can be stored as jsonb.
    first_touch_minutes: int = Field(gt=0, le=1_000_000)  # business minutes
    accept_minutes: int = Field(gt=0, le=1_000_000)  # business minutes
    warn_at: tuple[float, ...] = ()  # fractions of the target, e.g. (0.5, 0.8)
    on_breach: Breach = Breach()

    @field_validator("warn_at")
    @classmethod
    def _fractions_increasing(cls, warn_at: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < w < 1 for w in warn_at):
            raise ValueError("each warning point is a fraction strictly between 0 and 1")
        if any(a >= b for a, b in zip(warn_at, warn_at[1:], strict=False)):
            raise ValueError("warning points must be strictly increasing")
        return warn_at


class Calendar(_Model):
    time_zone_policy: Literal["rep", "fixed"] = "rep"  # rep: each rep's own zone, `time_zone` if unknown
    time_zone: str = "UTC"
    days: Annotated[tuple[Annotated[int, Field(ge=0, le=6)], ...], NonEmpty] = (0, 1, 2, 3, 4)
    start: ClockTime = time(9, 0)
    end: ClockTime = time(17, 30)
    holidays: tuple[date, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # a tzdata folder is an OSError
            raise ValueError(f"unknown IANA time zone {name!r}") from exc
        return name

    @model_validator(mode="after")
    def _opening(self) -> "Calendar":
        if self.start >= self.end:
            raise Problems([("end", "must be later than start")])
        if len(set(self.days)) != len(self.days):
            raise Problems([("days", "a day is listed twice")])
        return self


class Sla(_Model):
    tiers: Annotated[tuple[SlaTier, ...], NonEmpty]
    calendar: Calendar = Calendar()

    @model_validator(mode="after")
    def _unique_names(self) -> "Sla":
        _check_unique([t.name for t in self.tiers], "tiers[{i}].name", "tier")
        return self


class Commitments(_Model):
    sales_ready_per_week: int = Field(ge=0, le=1_000_000_000)
    min_acceptance_rate: float = Field(ge=0, le=1)


class Recycle(_Model):
    """What a lead that sales rejected brings back to nurture, and when it may be handed over again."""

    reset_engagement: bool = True  # engagement before the recycle no longer counts; fit still does
    requalify_after_days: int = Field(default=0, ge=0, le=365)  # no new qualification sooner after the recycle


class AgreementDocument(_Model):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    fit: FitSection
    engagement: EngagementSection
    sales_ready: SalesReady
    sla: Sla
    commitments: Commitments
    rejection_reasons: Annotated[tuple[Annotated[str, Field(min_length=1, max_length=100)], ...], NonEmpty]
    recycle: Recycle = Recycle()  # optional: documents written before it get the defaults
    activities: tuple[CustomKind, ...] = Field(default=(), max_length=200)  # custom kinds beside the built-ins
    intent: IntentSection = IntentSection()  # optional: no rules, no intent points
    key_accounts: KeyAccounts = KeyAccounts()  # optional: only sales ops' key_account flag then
    buying_group: BuyingGroup = BuyingGroup()  # optional: no tier, no sales-ready accounts
    _kinds: dict[str, CustomKind] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self._kinds = {kind.name: kind for kind in self.activities}

    def custom_kind(self, activity: str) -> CustomKind | None:
        """The declaration of a custom kind, None for a built-in or undeclared one."""
        return self._kinds.get(activity)

    def declares(self, activity: str) -> bool:
        """Whether the agreement knows `activity`: a built-in kind or one of its own."""
        return activity in BUILT_IN_ACTIVITIES or activity in self._kinds

    @model_validator(mode="after")
    def _cross_references(self) -> "AgreementDocument":
        _check_unique([k.name for k in self.activities], "activities[{i}].name", "kind")
        known = BUILT_IN_ACTIVITIES | {k.name for k in self.activities}
        undeclared = "is neither a built-in activity nor declared in activities"
        problems = [(f"engagement.rules[{i}].activity", f"{r.activity!r} {undeclared}")
                    for i, r in enumerate(self.engagement.rules) if r.activity not in known]
        problems += [(f"sales_ready.fast_track[{i}].activity", f"{f.activity!r} {undeclared}")
                     for i, f in enumerate(self.sales_ready.fast_track) if f.activity not in known]
        sla = {t.name for t in self.sla.tiers}
        problems += [(f"sales_ready.tiers[{i}].name", f"tier {t.name!r} is not one of sla.tiers {sorted(sla)}")
                    for i, t in enumerate(self.sales_ready.tiers) if t.name not in sla]
        problems += [(f"sales_ready.fast_track[{i}].tier", f"tier {f.tier!r} is not one of sla.tiers {sorted(sla)}")
                     for i, f in enumerate(self.sales_ready.fast_track) if f.tier not in sla]
        if self.buying_group.tier is not None and self.buying_group.tier not in sla:
            problems.append(("buying_group.tier",
                             f"tier {self.buying_group.tier!r} is not one of sla.tiers {sorted(sla)}"))
        if self.key_accounts.sla_tier is not None and self.key_accounts.sla_tier not in sla:
            problems.append(("key_accounts.sla_tier",
                             f"tier {self.key_accounts.sla_tier!r} is not one of sla.tiers {sorted(sla)}"))
        problems += [(f"rejection_reasons[{i}]", f"duplicate reason {r!r}")
                     for i, r in enumerate(self.rejection_reasons) if r in self.rejection_reasons[:i]]
        if problems:
            raise Problems(problems)
        return self
