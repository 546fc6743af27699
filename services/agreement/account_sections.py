"""The agreement's account sections: key accounts and the buying group."""

from typing import Annotated

from pydantic import Field, model_validator

from services.agreement.sections import Name, NonEmpty, Points, Problems, Section, check_unique
from services.shared.conditions import Condition


class KeyAccountRule(Section):
    """Conditions that make a lead's company a key account (on its attributes and routing facts)."""

    id: Name
    when: Annotated[tuple[Condition, ...], NonEmpty]  # all must hold


class KeyAccounts(Section):
    """The accounts both teams treat as key: named by domain or by conditions, with an SLA tier of their own."""

    domains: tuple[Annotated[str, Field(min_length=3, max_length=253)], ...] = Field(default=(), max_length=10_000)
    rules: tuple[KeyAccountRule, ...] = ()  # any one that holds makes the lead's account key
    sla_tier: Name | None = None  # one of sla.tiers; None: a key account keeps the lead's tier

    @model_validator(mode="after")
    def _unique_ids(self) -> "KeyAccounts":
        check_unique([r.id for r in self.rules], "rules[{i}].id", "id")
        return self


class Persona(Section):
    """A role in the buying group (decision maker, champion, technical evaluator...), by conditions on the lead."""

    id: Name
    description: str = Field(default="", max_length=500)
    when: Annotated[tuple[Condition, ...], NonEmpty]  # on the lead's attributes (title, role...); all must hold


class BuyingGroup(Section):
    """When an account is sales-ready: its decayed engagement, its best contact's fit and how many
    distinct personas among its engaged contacts reach these thresholds."""

    personas: tuple[Persona, ...] = ()  # in order: a contact is the first persona it matches
    min_personas: int = Field(default=2, ge=0, le=50)
    min_engagement: Points = 0  # the account's decayed engagement: its contacts' own plus its intent share
    min_fit: Points = 0  # the best fit among its engaged contacts
    tier: Name | None = None  # the SLA tier of a sales-ready account; None: accounts never qualify

    @model_validator(mode="after")
    def _consistent(self) -> "BuyingGroup":
        check_unique([p.id for p in self.personas], "personas[{i}].id", "id")
        if self.tier is not None and self.min_personas > len(self.personas):
            raise Problems([("min_personas", f"needs {self.min_personas} personas, but {len(self.personas)} "
                                             "are named")])
        return self
