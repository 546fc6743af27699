import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import Considered, LeadFacts, Pool, decide
from services.router.routing.domain.rules import RuleSet
from services.router.sla.domain.business_clock import WorkingHours

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning
LEAVE = ((AT - timedelta(days=2), AT + timedelta(days=5)),)
RULES = RuleSet.model_validate({"rules": [
    {"id": "owners", "kind": "account_owner"},
    {"id": "hot_enterprise", "when": [{"field": "tier", "equals": "hot"},
                                      {"field": "fit_score", "range": {"gte": 80}}], "target_pool": "enterprise"},
    {"id": "partners", "when": [{"field": "source", "in": ["partner", "reseller"]}], "target_rep": "rep-p"},
    {"id": "default", "target_pool": "inbound"},
]})
ACCOUNTS = (Account("acc-acme", ("www.acme.co.uk",), owner_rep_id="rep-o"),)
REPS = {rep: RepState(rep) for rep in ("rep-a", "rep-b", "rep-c", "rep-e", "rep-o", "rep-p")}
POOLS = {
    "inbound": Pool("inbound", members=(MemberState("rep-a"), MemberState("rep-b"), MemberState("rep-c"))),
    "enterprise": Pool("enterprise", members=(MemberState("rep-e"),)),
}


def _lead(email="kim@globex.com", **facts) -> LeadFacts:
    return LeadFacts(lead_key=email, email=email, **facts)


def _decide(lead, reps=REPS, pools=POOLS, rules=RULES, **kwargs):
    return decide(lead, rules, ACCOUNTS, pools, reps, AT, **kwargs)


def test_a_lead_from_a_subdomain_of_an_account_goes_to_its_owner():
    decision = _decide(_lead("ada@eu.sales.acme.co.uk"))
    assert (decision.rule, decision.rep_id, decision.account_id, decision.pool_id) == (
        "owners", "rep-o", "acc-acme", None)


def test_a_free_mail_lead_matches_its_account_by_website():
    decision = _decide(_lead("ada@gmail.com", attributes={"website": "https://acme.co.uk/team"}))
    assert decision.rep_id == "rep-o"


def test_an_account_owner_on_leave_falls_through_to_the_next_rule():
    reps = {**REPS, "rep-o": RepState("rep-o", out_of_office=LEAVE)}
    decision = _decide(_lead("ada@acme.co.uk"), reps=reps)
    assert (decision.rule, decision.rep_id, decision.account_id) == ("default", "rep-a", "acc-acme")
    assert (decision.tried[0].outcome, decision.tried[0].rep_id) == ("out_of_office", "rep-o")


def test_a_lead_without_an_account_skips_the_owner_rule():
    decision = _decide(_lead())
    assert decision.rule == "default"
    assert decision.tried[0].outcome == "no_account"


def test_conditions_on_tier_and_fit_score_pick_the_enterprise_pool():
    assert _decide(_lead(tier="hot", fit_score=85)).rule == "hot_enterprise"
    assert _decide(_lead(tier="hot", fit_score=60)).rule == "default"
    assert _decide(_lead(tier="warm", fit_score=95)).rule == "default"


def test_a_condition_on_source_routes_to_one_named_rep():
    decision = _decide(_lead(source="partner"))
    assert (decision.rule, decision.rep_id, decision.pool_id) == ("partners", "rep-p", None)


def test_the_first_matching_rule_wins():
    decision = _decide(_lead("ada@acme.co.uk", tier="hot", fit_score=90, source="partner"))
    assert decision.rule == "owners"
    assert _decide(_lead(tier="hot", fit_score=90, source="partner")).rule == "hot_enterprise"


def test_a_pool_shares_leads_by_weight_through_the_returned_rotation_state():
    members = (MemberState("rep-a", 1), MemberState("rep-b", 1), MemberState("rep-c", 2))
    pools = {**POOLS, "inbound": Pool("inbound", members=members)}
    counts = Counter()
    for _ in range(400):
        decision = _decide(_lead(), pools=pools)
        pool, rotation = pools["inbound"], decision.rotation
        updated = tuple(rotation.updated if m.rep_id == rotation.rep_id else m for m in pool.members)
        pools = {**pools, "inbound": replace(pool, members=updated, virtual_time=rotation.virtual_time)}
        counts[decision.rep_id] += 1
    assert counts == {"rep-a": 100, "rep-b": 100, "rep-c": 200}


def test_skipped_members_are_listed_with_their_reasons_up_to_the_chosen_one():
    reps = {**REPS, "rep-a": RepState("rep-a", active=False), "rep-b": RepState("rep-b", max_open=2, open_count=2)}
    decision = _decide(_lead(), reps=reps)
    assert decision.rep_id == "rep-c"
    assert decision.considered == (Considered("rep-a", "inactive"), Considered("rep-b", "at_capacity_open"),
                                   Considered("rep-c", None))
    assert decision.rotation.rep_id == "rep-c"


def test_every_skip_reason_is_recorded():
    reps = {
        "rep-a": RepState("rep-a", max_new_per_day=1, new_today=1),
        "rep-b": RepState("rep-b", out_of_office=LEAVE),
        "rep-c": RepState("rep-c", working_hours=WorkingHours("Asia/Tokyo", start=time(9), end=time(17))),
        "rep-d": RepState("rep-d"),
        "rep-e": RepState("rep-e", active=False),
    }
    members = tuple(MemberState(rep) for rep in ("rep-a", "rep-b", "rep-c", "rep-d", "rep-e", "rep-gone"))
    pools = {"inbound": Pool("inbound", respect_working_hours=True, members=members)}
    decision = _decide(_lead(), reps=reps, pools=pools, exclude=frozenset({"rep-d"}))
    assert {c.rep_id: c.skipped for c in decision.considered} == {
        "rep-a": "at_capacity_daily", "rep-b": "out_of_office", "rep-c": "outside_working_hours",
        "rep-d": "excluded", "rep-e": "inactive", "rep-gone": "unknown_rep"}


def test_when_every_member_is_skipped_the_lead_overflows_under_the_matched_rule_with_all_listed():
    reps = {**REPS, **{rep: RepState(rep, active=False) for rep in ("rep-a", "rep-b", "rep-c")}}
    decision = _decide(_lead(), reps=reps)
    assert (decision.rule, decision.pool_id, decision.rep_id, decision.rotation) == ("default", "inbound", None, None)
    assert [(c.rep_id, c.skipped) for c in decision.considered] == [
        ("rep-a", "inactive"), ("rep-b", "inactive"), ("rep-c", "inactive")]
    assert decision.overflow_reason == "every candidate was skipped"


def test_a_matched_pool_with_nobody_available_does_not_fall_through_to_later_rules():
    reps = {**REPS, "rep-e": RepState("rep-e", out_of_office=LEAVE)}
    decision = _decide(_lead(tier="hot", fit_score=99), reps=reps)
    assert (decision.rule, decision.rep_id) == ("hot_enterprise", None)


def test_a_named_rep_who_is_away_sends_the_lead_to_overflow_with_the_reason():
    reps = {**REPS, "rep-p": RepState("rep-p", out_of_office=LEAVE)}
    decision = _decide(_lead(source="partner"), reps=reps)
    assert (decision.rule, decision.rep_id, decision.considered) == (
        "partners", None, (Considered("rep-p", "out_of_office"),))


def test_a_lead_that_matches_no_rule_goes_to_overflow_never_nowhere():
    rules = RuleSet.model_validate({"rules": [{"id": "de", "when": [{"field": "country", "equals": "DE"}],
                                               "target_pool": "inbound"}]})
    decision = _decide(_lead(attributes={"country": "FR"}), rules=rules)
    assert (decision.rule, decision.pool_id, decision.rep_id) == ("overflow", None, None)
    assert decision.overflow_reason == "no rule matched"
    assert decision.tried[0].outcome == "conditions_not_met"


def test_a_pool_deleted_since_validation_overflows_and_says_so():
    decision = _decide(_lead(), pools={})
    assert (decision.rep_id, decision.overflow_reason) == (None, "pool 'inbound' does not exist")


def test_reassignment_excludes_earlier_assignees_through_the_same_rules():
    decision = _decide(_lead(), exclude=frozenset({"rep-a"}))
    assert decision.rep_id == "rep-b"
    assert decision.considered[0] == Considered("rep-a", "excluded")


def test_reassignment_passes_over_an_account_owner_who_already_had_the_lead():
    decision = _decide(_lead("ada@acme.co.uk"), exclude=frozenset({"rep-o"}))
    assert (decision.rule, decision.tried[0].outcome) == ("default", "excluded")


def test_the_explanation_is_json_ready_and_names_the_rule_and_every_rule_tried():
    explained = _decide(_lead(tier="warm", fit_score="n/a")).explain()
    assert json.loads(json.dumps(explained)) == explained
    assert explained["rule"] == "default"
    assert [t["rule"] for t in explained["tried"]] == ["owners", "hot_enterprise", "partners", "default"]
    assert explained["tried"][1]["outcome"] == "conditions_not_met"
    assert explained["tried"][1]["mismatches"] == ["fit_score: 'n/a' is not a number"]


def test_a_rule_can_route_key_accounts_by_condition():
    rules = RuleSet.model_validate({"rules": [
        {"id": "key", "when": [{"field": "key_account", "equals": True}], "target_pool": "enterprise"},
        {"id": "default", "target_pool": "inbound"}]})
    accounts = (Account("acc-big", ("big.com",), key_account=True),)
    assert decide(_lead("ada@big.com"), rules, accounts, POOLS, REPS, AT).rule == "key"
    assert decide(_lead("ada@small.com"), rules, accounts, POOLS, REPS, AT).rule == "default"


def test_deciding_is_pure_the_same_facts_give_the_same_decision():
    assert _decide(_lead()) == _decide(_lead())


def test_the_time_must_be_timezone_aware():
    with pytest.raises(ValueError):
        decide(_lead(), RULES, ACCOUNTS, POOLS, REPS, AT.replace(tzinfo=None))
