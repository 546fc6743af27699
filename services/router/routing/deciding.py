"""Gathers what a decision needs from the database and decides; shared by routing and preview."""

from datetime import datetime

from services.agreement.account_sections import KeyAccounts
from services.agreement.domains import lead_domains
from services.router.routing.domain.accounts import match_account
from services.router.routing.domain.company_match import NAME_ATTRIBUTES, WEBSITE_ATTRIBUTES
from services.router.routing.domain.distribution import LEAST_BUSY
from services.router.routing.domain.routing import Decision, LeadFacts, decide
from services.router.routing.ports import RoutingState


async def decide_for(state: RoutingState, lead: LeadFacts, at: datetime, *, default_pool: str,
                     lock: bool, exclude: frozenset[str] = frozenset(),
                     key_accounts: KeyAccounts | None = None) -> tuple[Decision, int | None]:
    """The decision for `lead` at `at`, and the rule-set version that made it.

    With `lock`, the rule set's pools stay locked until the caller's transaction ends, so
    decisions of every router replica take turns on the rotation state.
    """
    version, rules = await state.current_rules(default_pool)
    pool_ids = {r.target_pool for r in rules.rules if r.target_pool}
    pools = await state.pools(pool_ids, lock=lock)
    domains = lead_domains(lead.email, lead.attributes)
    accounts = await state.accounts_for(domains)
    wants_name = any(lead.attributes.get(a) for a in (*NAME_ATTRIBUTES, *WEBSITE_ATTRIBUTES))
    named = await state.named_accounts() if wants_name and not match_account(domains, accounts) else []
    reps = await state.rep_states(at, {m.rep_id for p in pools.values() if p.distribution == LEAST_BUSY
                                       for m in p.members})
    return decide(lead, rules, accounts, pools, reps, at, exclude, named, key_accounts), version
