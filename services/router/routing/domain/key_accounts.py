"""Whether a lead's company is a key account, and why. Pure.

A company is key when sales ops flagged its account (`key_account`), when the agreement both teams
signed names one of the lead's domains in `key_accounts.domains` (compared as registrable domains:
`www.bigbank.co.uk` names `bigbank.co.uk`), or when one of its `key_accounts.rules` holds on what
routing rules see (routing.lead_record: attributes, domain, fit_score, ...). Key accounts get
the agreement's `key_accounts.sla_tier` and, when their account has an owner, go to that owner,
never to a round-robin pool (routing.decide).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from services.agreement.account_sections import KeyAccounts
from services.agreement.domains import registrable_domain
from services.router.routing.domain.accounts import Account
from services.shared.conditions import evaluate_all


def key_account_reason(section: KeyAccounts | None, account: Account | None, domains: Sequence[str],
                       record: Mapping[str, Any]) -> str | None:
    """Why the lead's company is a key account (`sales_ops`, `agreement.domains`,
    `agreement.rules.<id>`), None when it is not one."""
    if account is not None and account.key_account:
        return "sales_ops"
    if section is None:
        return None
    named = {registrable_domain(d) or d.strip().lower() for d in section.domains}
    if any(d in named for d in domains):
        return "agreement.domains"
    rule = next((r for r in section.rules if evaluate_all(r.when, record)[0]), None)
    return f"agreement.rules.{rule.id}" if rule else None
