"""The agreement document: the shared lead definition and SLA rules, as validated data (DESIGN §4).

Written in YAML or JSON (services.agreement.text reads and writes it), validated by these models and
never executed: every rule condition is a services.shared.conditions.Condition. Errors name their
path in the document, e.g. `engagement.rules[3].points`. The sections are in `scoring_sections`
(fit, engagement, custom kinds, intent), `account_sections` (key accounts, buying group) and
`handoff_sections` (sales-ready, SLA, commitments, recycle), on the base of `sections`.
"""

from typing import Annotated, Any

from pydantic import Field, PrivateAttr, model_validator

from schemas.events import BUILT_IN_ACTIVITIES
from services.agreement.account_sections import BuyingGroup, KeyAccounts
from services.agreement.handoff_sections import Commitments, Recycle, SalesReady, Sla
from services.agreement.scoring_sections import CustomKind, EngagementSection, FitSection, IntentSection
from services.agreement.sections import NonEmpty, Problems, Section, check_unique


class AgreementDocument(Section):
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
        check_unique([k.name for k in self.activities], "activities[{i}].name", "kind")
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
