"""Routing rules as validated data: ordered, first match wins (DESIGN §5). Never executed as code.

Two kinds:
- `account_owner`: the lead's matched account (by company domain) goes to that account's owner.
  When no account matches, it has no owner, or the owner cannot take leads now, the rule does not
  apply and the next rule is tried (so the usual territory and pool rules catch the lead).
- `match`: when every condition in `when` holds (an empty `when` always holds), the lead goes to
  `target_pool` (weighted round robin) or `target_rep`. A match is final: if nobody there can take
  the lead it goes to overflow under this rule, rather than silently landing somewhere else.

`when` uses the shared declarative conditions over the lead's attributes and the routing facts
(email, email_domain, domain, tier, source, campaign, fit_score, engagement_score, account_id,
key_account); see routing.lead_record. Both kinds may have conditions (an account_owner rule
with `when` applies only to the leads they match).
"""

from collections.abc import Collection, Mapping
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from schemas.bounds import Strict
from services.router.routing.domain.skills import SkillNeed
from services.shared.conditions import Condition

OVERFLOW = "overflow"  # the rule named in a decision when no rule matched; reserved as an id

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Ref = Annotated[str, Field(min_length=1, max_length=200)]


class RoutingRule(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RuleId
    name: str = Field(default="", max_length=200)
    kind: Literal["account_owner", "match"] = "match"
    when: tuple[Condition, ...] = ()  # all must hold
    target_pool: Ref | None = None
    target_rep: Ref | None = None
    # For one named rep (account owner or target_rep); a pool's own setting governs its members.
    respect_working_hours: bool = False
    # Skills and languages the target pool's reps must (or, optional, should) have (skills.py).
    skills: tuple[SkillNeed, ...] = Field(default=(), max_length=25)

    @model_validator(mode="after")
    def _targets_fit_the_kind(self) -> "RoutingRule":
        targets = [t for t in (self.target_pool, self.target_rep) if t is not None]
        if self.id == OVERFLOW:
            raise ValueError(f"{OVERFLOW!r} is reserved for leads that match no rule")
        if self.kind == "match" and len(targets) != 1:
            raise ValueError("a match rule needs exactly one of target_pool, target_rep")
        if self.kind == "account_owner" and targets:
            raise ValueError("an account_owner rule routes to the account's owner and takes no target")
        if self.skills and self.target_pool is None:
            raise ValueError("skills narrow a pool's candidates: they need a target_pool")
        if self.target_pool is not None and self.respect_working_hours:
            raise ValueError("respect_working_hours is the pool's setting for a target_pool rule")
        return self

    @property
    def is_catch_all(self) -> bool:
        """A match rule without conditions: every lead that reaches it is routed by it."""
        return self.kind == "match" and not self.when


class RuleSet(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RoutingRule, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> "RuleSet":
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(f"rules[{i}].id: duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self

    def validate_references(self, pool_ids: Collection[str], rep_ids: Collection[str]) -> list[tuple[str, str]]:
        """(path, message) for every target naming a pool or rep that does not exist."""
        problems: list[tuple[str, str]] = []
        for i, rule in enumerate(self.rules):
            if rule.target_pool is not None and rule.target_pool not in pool_ids:
                problems.append((f"rules[{i}].target_pool", f"unknown pool {rule.target_pool!r}"))
            if rule.target_rep is not None and rule.target_rep not in rep_ids:
                problems.append((f"rules[{i}].target_rep", f"unknown rep {rule.target_rep!r}"))
        return problems

    def coverage_problems(self, pools_with_members: Mapping[str, int]) -> list[str]:
        """Ways this rule set can route nowhere: no final catch-all, unreachable rules, empty pools."""
        problems: list[str] = []
        catch_all = next((i for i, r in enumerate(self.rules) if r.is_catch_all), None)
        if catch_all is None:
            problems.append("rules: no catch-all (a match rule without conditions) at the end;"
                            " leads that match no rule go to overflow")
        else:
            problems += [f"rules[{i}]: after the catch-all rules[{catch_all}], can never match"
                         for i in range(catch_all + 1, len(self.rules))]
        for i, rule in enumerate(self.rules):
            if rule.target_pool is not None and pools_with_members.get(rule.target_pool, 0) < 1:
                problems.append(f"rules[{i}].target_pool: pool {rule.target_pool!r} has no members;"
                                " every lead this rule matches goes to overflow")
        return problems
