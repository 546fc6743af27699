"""Re-routing on change: which lead fields routing reads, and when a re-decision moves the lead. Pure.

A routed lead that no rep has touched yet is decided again when an engagement event changes a
field the rule set reads (a condition's field; for account matching also the website, company
domain and company name). The lead moves only when the new decision lands on another route: a
different rule or pool, and a rep other than the one holding it. A new turn of the same pool's
rotation is no reason to move a lead, and a new route where nobody can take the lead now leaves it
with the rep who has it rather than in overflow.
"""

from collections.abc import Mapping
from typing import Any

from services.agreement.domains import DOMAIN_ATTRIBUTES
from services.router.routing.domain.company_match import NAME_ATTRIBUTES
from services.router.routing.domain.decision import Decision
from services.router.routing.domain.rules import RuleSet

ACCOUNT_FACTS = frozenset({"domain", "account_id", "key_account"})  # derived from the company fields


def fields_read(rules: RuleSet) -> frozenset[str]:
    """The lead attributes whose change can change the decision under `rules`."""
    fields = {c.field for rule in rules.rules for c in rule.when}
    if fields & ACCOUNT_FACTS or any(rule.kind == "account_owner" for rule in rules.rules):
        fields |= {*DOMAIN_ATTRIBUTES, *NAME_ATTRIBUTES}
    return frozenset(fields)


def changed_fields(before: Mapping[str, Any], update: Mapping[str, Any]) -> frozenset[str]:
    """The fields `update` sets to another value than `before` holds."""
    return frozenset(k for k, v in update.items() if k not in before or before[k] != v)


def moves(decision: Decision, rule: str, pool_id: str | None, rep_id: str) -> bool:
    """Whether the re-decision takes the lead from `rep_id` (who got it under `rule` / `pool_id`)."""
    if decision.rep_id is None or decision.rep_id == rep_id:
        return False
    return (decision.rule, decision.pool_id) != (rule, pool_id)
