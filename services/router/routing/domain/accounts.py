"""Lead-to-account matching by company domain. Pure.

An account lists its domains in any form ("www.acme.co.uk", "https://acme.co.uk", "acme.co.uk");
both sides are reduced to registrable domains, so a lead from eu.sales.acme.co.uk matches.
The caller need not pass every account: those holding one of `lead_domains(...)` suffice.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.agreement.domains import registrable_domain


@dataclass(frozen=True)
class Account:
    account_id: str
    domains: tuple[str, ...]
    owner_rep_id: str | None = None
    key_account: bool = False
    name: str = ""  # for matching by company name (company_match.py)
    worked_by: str | None = None  # the rep of the account's newest open assignment: a colleague being worked


def match_account(domains: Sequence[str], accounts: Iterable[Account]) -> Account | None:
    """The account of the lead's most telling domain; on a tie key accounts first, then account id."""
    by_domain: dict[str, list[Account]] = {}
    for account in accounts:
        for domain in {r for d in account.domains if (r := registrable_domain(d)) is not None}:
            by_domain.setdefault(domain, []).append(account)
    for domain in domains:  # email first: the person's own company beats a website they typed
        if found := by_domain.get(domain):
            return min(found, key=lambda a: (not a.key_account, a.account_id))
    return None
