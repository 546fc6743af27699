"""Which rep gets a lead, and why. Pure: facts and the time in, a decision out (DESIGN §5).

`decide` walks the rules in order; the first that applies decides (see rules.py for when an
account_owner rule applies and why a match rule is final). A pool picks by weighted round robin
(rotation.py) or least busy (distribution.py) among members who can take a lead now
(availability.py). A lead that no rule routes, or whose target has nobody available, gets a
decision with rep_id None: the caller parks it in the visible overflow queue, never nowhere.
A preview is `decide` whose result is not persisted. Reassignment is `decide` with the earlier assignees in `exclude`.

A key account (key_accounts.py) whose account has an owner goes to that owner before any rule,
whatever the owner's capacity, absence or hours (the relationship is the point); an owner who is
gone (inactive, unknown) or already had the lead (a reassignment) leaves it in overflow, never in a
round-robin pool. Then a lead whose account is being worked (a colleague's assignment is open) goes
to that colleague's rep when they can take it now (capacity and leave count, working hours not):
one account, one rep; otherwise the rules decide (recorded in `tried`).

`considered` lists the deciding target's candidates in the order they were next in line: every
one skipped (with why) up to the chosen one, or all of them on overflow. A member behind the
chosen one in the rotation was not skipped; it simply was not their turn. `tried` records every
rule looked at and its outcome, including an account owner who could not take the lead.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.agreement.account_sections import KeyAccounts
from services.agreement.domains import lead_domains
from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import EXCLUDED, INACTIVE, UNKNOWN_REP, RepState
from services.router.routing.domain.company_match import account_for
from services.router.routing.domain.decision import ACCOUNT_IN_PROGRESS, KEY_ACCOUNT_OWNER, Considered, Decision, Tried
from services.router.routing.domain.key_accounts import key_account_reason
from services.router.routing.domain.pool_choice import Pool, from_pool
from services.router.routing.domain.pool_choice import reason as skip_why
from services.router.routing.domain.rules import OVERFLOW, RoutingRule, RuleSet
from services.router.routing.domain.skills import resolve
from services.shared.conditions import evaluate_all

__all__ = ["Account", "Considered", "Decision", "LeadFacts", "Pool", "Tried", "decide", "lead_record"]


@dataclass(frozen=True)
class LeadFacts:
    lead_key: str
    email: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    tier: str | None = None
    source: str | None = None
    campaign: str | None = None
    fit_score: float | None = None
    engagement_score: float | None = None
    qualified_at: datetime | None = None  # when optional skill needs start waiting; None: at the decision


def lead_record(lead: LeadFacts, account: Account | None, key_account: bool | None = None) -> dict[str, Any]:
    """What rule conditions see: the lead's attributes, overridden by the routing facts that are known."""
    domains = lead_domains(lead.email, lead.attributes)
    facts = {
        "email": lead.email, "tier": lead.tier, "source": lead.source, "campaign": lead.campaign,
        "fit_score": lead.fit_score, "engagement_score": lead.engagement_score,
        "email_domain": lead.email.rpartition("@")[2].strip().lower() if lead.email else None,
        "domain": domains[0] if domains else None,
        "account_id": account.account_id if account else None,
        "key_account": (account.key_account if account else False) if key_account is None else key_account,
    }
    # An unknown fact must not hide an attribute of the same name (a campaign given as attribute).
    return {**lead.attributes, **{k: v for k, v in facts.items() if v is not None}}


def _owner_outcome(rule: RoutingRule, account: Account | None, reps: Mapping[str, RepState],
                   at: datetime, exclude: Collection[str]) -> str:
    if account is None:
        return "no_account"
    if account.owner_rep_id is None:
        return "no_owner"
    reason = skip_why(reps.get(account.owner_rep_id), at, rule.respect_working_hours, exclude)
    return reason or "matched"


def _from_rep(rule: RoutingRule, rep_id: str, reps: Mapping[str, RepState], at: datetime,
              exclude: Collection[str]) -> Decision:
    reason = skip_why(reps.get(rep_id), at, rule.respect_working_hours, exclude)
    return Decision(rule.id, None, None if reason else rep_id, (Considered(rep_id, reason),))


def _apply_match(rule: RoutingRule, pools: Mapping[str, Pool], reps: Mapping[str, RepState], at: datetime,
                 exclude: Collection[str], record: Mapping[str, Any],
                 qualified_at: datetime | None) -> tuple[Decision, str]:
    if rule.target_rep is not None:
        return _from_rep(rule, rule.target_rep, reps, at, exclude), "matched"
    pool = pools.get(rule.target_pool or "")
    if pool is None:  # deleted since the rules were validated: overflow, and say which pool
        return Decision(rule.id, rule.target_pool, None, ()), "unknown_pool"
    needs = resolve((*rule.skills, *pool.skills), record)
    return from_pool(rule.id, pool, reps, at, exclude, needs, qualified_at), "matched"


def _key_owner(account: Account, owner: str, reps: Mapping[str, RepState], at: datetime,
               exclude: Collection[str], key: str) -> Decision:
    """A key account's lead for its owner: taken whatever their load, absence or hours."""
    reason = skip_why(reps.get(owner), at, False, exclude)
    blocked = reason if reason in (UNKNOWN_REP, INACTIVE, EXCLUDED) else None
    tried = (Tried(KEY_ACCOUNT_OWNER, blocked or "matched", owner),)
    return Decision(KEY_ACCOUNT_OWNER, None, None if blocked else owner, (Considered(owner, blocked),),
                    account.account_id, tried=tried, key_account=key)


def decide(lead: LeadFacts, rules: RuleSet, accounts: Iterable[Account], pools: Mapping[str, Pool],
           reps: Mapping[str, RepState], at: datetime, exclude: frozenset[str] = frozenset(),
           named_accounts: Iterable[Account] = (), key_accounts: KeyAccounts | None = None) -> Decision:
    """Who gets the lead at `at` under `rules` (and the agreement's `key_accounts`), with why; rep_id
    None means overflow. `named_accounts` are the accounts a lead without a domain match is compared
    with by company name and website."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    account, account_match, review = account_for(lead.email, lead.attributes, accounts, named_accounts)
    domains = lead_domains(lead.email, lead.attributes)
    key = key_account_reason(key_accounts, account, domains, lead_record(lead, account))
    if key is not None and account is not None and account.owner_rep_id is not None:
        decision = _key_owner(account, account.owner_rep_id, reps, at, exclude, key)
    else:
        record = lead_record(lead, account, key is not None)
        decision = _decide(rules, account, record, pools, reps, at, exclude, lead.qualified_at, key)
    return replace(decision, account_match=account_match, account_review=review)


def _decide(rules: RuleSet, account: Account | None, record: dict[str, Any],
            pools: Mapping[str, Pool], reps: Mapping[str, RepState], at: datetime,
            exclude: frozenset[str], qualified_at: datetime | None, key: str | None) -> Decision:
    account_id = account.account_id if account else None
    tried: list[Tried] = []
    if account is not None and account.worked_by is not None:
        busy = skip_why(reps.get(account.worked_by), at, False, exclude)
        tried.append(Tried(ACCOUNT_IN_PROGRESS, busy or "matched", account.worked_by))
        if busy is None:
            return Decision(ACCOUNT_IN_PROGRESS, None, account.worked_by, (Considered(account.worked_by, None),),
                            account_id, tried=tuple(tried), key_account=key)
    for rule in rules.rules:
        holds, mismatches = evaluate_all(rule.when, record)
        if not holds:
            tried.append(Tried(rule.id, "conditions_not_met", mismatches=tuple(mismatches)))
            continue
        if rule.kind == "account_owner":
            outcome = _owner_outcome(rule, account, reps, at, exclude)
            owner = account.owner_rep_id if account else None
            tried.append(Tried(rule.id, outcome, owner, tuple(mismatches)))
            if outcome != "matched":
                continue  # the owner cannot take it: the next rule decides
            assert owner is not None  # "matched" means the account has an owner
            return Decision(rule.id, None, owner, (Considered(owner, None),), account_id, tried=tuple(tried),
                            key_account=key)
        decision, outcome = _apply_match(rule, pools, reps, at, exclude, record, qualified_at)
        tried.append(Tried(rule.id, outcome, mismatches=tuple(mismatches)))
        return replace(decision, account_id=account_id, tried=tuple(tried), key_account=key)
    return Decision(OVERFLOW, None, None, (), account_id, tried=tuple(tried), key_account=key)
