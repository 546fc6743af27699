"""Which rep gets a lead, and why. Pure: facts and the time in, a decision out (DESIGN §5).

`decide` walks the rules in order; the first that applies decides (see rules.py for when an
account_owner rule applies and why a match rule is final). A pool picks by weighted round robin
(rotation.py) or least busy (distribution.py) among members who can take a lead now
(availability.py). A lead that no rule routes, or whose target has nobody available, gets a
decision with rep_id None: the caller parks it in the visible overflow queue, never nowhere.
A preview is `decide` whose result is not persisted. Reassignment is `decide` with the earlier assignees in `exclude`.

`considered` lists the deciding target's candidates in the order they were next in line: every
one skipped (with why) up to the chosen one, or all of them on overflow. A member behind the
chosen one in the rotation was not skipped; it simply was not their turn. `tried` records every
rule looked at and its outcome, including an account owner who could not take the lead.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.agreement.domains import lead_domains
from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.company_match import account_for
from services.router.routing.domain.decision import Considered, Decision, Tried
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


def lead_record(lead: LeadFacts, account: Account | None) -> dict[str, Any]:
    """What rule conditions see: the lead's attributes, overridden by the routing facts that are known."""
    domains = lead_domains(lead.email, lead.attributes)
    facts = {
        "email": lead.email, "tier": lead.tier, "source": lead.source, "campaign": lead.campaign,
        "fit_score": lead.fit_score, "engagement_score": lead.engagement_score,
        "email_domain": lead.email.rpartition("@")[2].strip().lower() if lead.email else None,
        "domain": domains[0] if domains else None,
        "account_id": account.account_id if account else None,
        "key_account": account.key_account if account else False,
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


def decide(lead: LeadFacts, rules: RuleSet, accounts: Iterable[Account], pools: Mapping[str, Pool],
           reps: Mapping[str, RepState], at: datetime, exclude: frozenset[str] = frozenset(),
           named_accounts: Iterable[Account] = ()) -> Decision:
    """Who gets the lead at `at` under `rules`, with why; rep_id None means overflow. `named_accounts`
    are the accounts a lead without a domain match is compared with by company name and website."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    account, account_match, review = account_for(lead.email, lead.attributes, accounts, named_accounts)
    record = lead_record(lead, account)
    decision = _decide(rules, account, record, pools, reps, at, exclude, lead.qualified_at)
    return replace(decision, account_match=account_match, account_review=review)


def _decide(rules: RuleSet, account: Account | None, record: dict[str, Any],
            pools: Mapping[str, Pool], reps: Mapping[str, RepState], at: datetime,
            exclude: frozenset[str], qualified_at: datetime | None) -> Decision:
    account_id = account.account_id if account else None
    tried: list[Tried] = []
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
            return Decision(rule.id, None, owner, (Considered(owner, None),), account_id, tried=tuple(tried))
        decision, outcome = _apply_match(rule, pools, reps, at, exclude, record, qualified_at)
        tried.append(Tried(rule.id, outcome, mismatches=tuple(mismatches)))
        return replace(decision, account_id=account_id, tried=tuple(tried))
    return Decision(OVERFLOW, None, None, (), account_id, tried=tuple(tried))
