"""The agreement's scoring sections: fit, engagement (with the custom activity kinds) and intent."""

from typing import Annotated, Any

from pydantic import AfterValidator, Field, PrivateAttr, field_validator, model_validator

from schemas.events import BUILT_IN_ACTIVITIES, Activity
from services.agreement.sections import TOUCH_FIELDS, Name, NonEmpty, Points, Problems, Section, check_unique
from services.shared.conditions import Condition


class FitRule(Section):
    id: Name
    when: Annotated[tuple[Condition, ...], NonEmpty]  # all must hold
    points: Points


class Disqualifier(Section):
    id: Name
    when: Annotated[tuple[Condition, ...], NonEmpty]  # all must hold
    reason: str = Field(min_length=1, max_length=200)


class FitSection(Section):
    rules: tuple[FitRule, ...] = ()
    disqualifiers: tuple[Disqualifier, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> "FitSection":
        check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        check_unique([d.id for d in self.disqualifiers], "disqualifiers[{i}].id", "id")
        return self


class Cap(Section):
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


class CustomKind(Section):
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


class EngagementRule(Section):
    id: Name
    activity: Activity  # built-in, or declared in the document's `activities`
    when: TouchConditions = ()  # on the touch's url, form, campaign; all must hold
    points: Points  # negative for unsubscribes, bounces
    cap: Cap | None = None


class AccountEngagement(Section):
    enabled: bool = False
    weight: float = Field(default=0.5, ge=0, le=1)  # share of the other contacts' summed engagement


class EngagementSection(Section):
    rules: tuple[EngagementRule, ...] = ()  # in priority order: the first matching rule scores a touch
    half_life_days: float | None = Field(default=None, gt=0, allow_inf_nan=False)  # None: no decay
    account: AccountEngagement = AccountEngagement()
    # Derived once per document, not per lead scored: the rules each activity can match, in order.
    _by_activity: dict[str, tuple[EngagementRule, ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> "EngagementSection":
        check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        return self

    def model_post_init(self, context: Any) -> None:
        by_activity: dict[str, list[EngagementRule]] = {}
        for rule in self.rules:
            by_activity.setdefault(rule.activity, []).append(rule)
        self._by_activity = {activity: tuple(rules) for activity, rules in by_activity.items()}

    def rules_for(self, activity: str) -> tuple[EngagementRule, ...]:
        """The rules a touch of `activity` can match, in the document's order."""
        return self._by_activity.get(activity, ())


class StrengthBand(Section):
    """A signal at least `min_strength` strong (0-100) gives `points`."""

    min_strength: float = Field(ge=0, le=100, allow_inf_nan=False)
    points: Points


class IntentRule(Section):
    """Points for account-level intent on some topics: the highest band a signal reaches gives its points."""

    id: Name
    topics: tuple[Annotated[str, Field(min_length=1, max_length=200)], ...] = ()  # any case; none: every topic
    bands: Annotated[tuple[StrengthBand, ...], NonEmpty]

    @model_validator(mode="after")
    def _distinct_bands(self) -> "IntentRule":
        check_unique([str(b.min_strength) for b in self.bands], "bands[{i}].min_strength", "band")
        return self


class IntentSection(Section):
    """Third-party intent on the account (topic, strength), decayed, counted in the account's engagement."""

    rules: tuple[IntentRule, ...] = ()  # in priority order: the first rule whose topics match scores a signal
    half_life_days: float | None = Field(default=14, gt=0, allow_inf_nan=False)  # None: no decay
    weight: float = Field(default=1.0, ge=0, le=1)  # share of the account's decayed intent points a lead gets

    @model_validator(mode="after")
    def _unique_ids(self) -> "IntentSection":
        check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        return self
