import pytest
from pydantic import ValidationError

from services.router.routing.domain.rules import RoutingRule, RuleSet


def _rules(*rules: dict) -> RuleSet:
    return RuleSet.model_validate({"rules": list(rules)})


OWNERS = {"id": "owners", "kind": "account_owner"}
EMEA = {"id": "emea", "when": [{"field": "country", "in": ["DE", "FR"]}], "target_pool": "emea"}
DEFAULT = {"id": "default", "target_pool": "inbound"}


def test_a_match_rule_needs_exactly_one_target():
    with pytest.raises(ValidationError, match="exactly one of target_pool, target_rep"):
        RoutingRule.model_validate({"id": "x", "target_pool": "p", "target_rep": "r"})
    with pytest.raises(ValidationError, match="exactly one of target_pool, target_rep"):
        RoutingRule.model_validate({"id": "x"})


def test_an_account_owner_rule_takes_no_target():
    with pytest.raises(ValidationError, match="takes no target"):
        RoutingRule.model_validate({"id": "x", "kind": "account_owner", "target_pool": "p"})


def test_overflow_is_a_reserved_rule_id():
    with pytest.raises(ValidationError, match="reserved"):
        RoutingRule.model_validate({"id": "overflow", "target_pool": "p"})


def test_rule_ids_are_unique_and_the_duplicate_is_named_by_path():
    with pytest.raises(ValidationError, match=r"rules\[1\]\.id: duplicate rule id 'default'"):
        _rules(DEFAULT, DEFAULT)


def test_a_regex_the_linear_engine_cannot_run_is_refused_in_a_condition():
    with pytest.raises(ValidationError, match="RE2"):
        _rules({"id": "x", "when": [{"field": "title", "regex": r"(a+)\1"}], "target_pool": "p"})


def test_a_non_finite_range_bound_is_refused_in_a_condition():
    with pytest.raises(ValidationError, match="finite"):
        _rules({"id": "x", "when": [{"field": "employees", "range": {"gte": float("nan")}}], "target_pool": "p"})


def test_unknown_pools_and_reps_are_reported_with_their_paths():
    rules = _rules(OWNERS, EMEA, {"id": "vip", "target_rep": "rep-z"}, DEFAULT)
    assert rules.validate_references(pool_ids={"inbound"}, rep_ids={"rep-a"}) == [
        ("rules[1].target_pool", "unknown pool 'emea'"),
        ("rules[2].target_rep", "unknown rep 'rep-z'"),
    ]


def test_known_references_give_no_problems():
    assert _rules(OWNERS, EMEA, DEFAULT).validate_references({"emea", "inbound"}, set()) == []


def test_a_rule_set_ending_in_a_catch_all_with_members_has_no_coverage_problem():
    assert _rules(OWNERS, EMEA, DEFAULT).coverage_problems({"emea": 2, "inbound": 4}) == []


def test_a_rule_set_without_a_catch_all_is_flagged():
    problems = _rules(OWNERS, EMEA).coverage_problems({"emea": 2})
    assert len(problems) == 1 and "no catch-all" in problems[0]


def test_an_empty_rule_set_is_flagged():
    assert any("no catch-all" in p for p in RuleSet().coverage_problems({}))


def test_a_catch_all_targeting_an_empty_pool_is_flagged():
    assert _rules(DEFAULT).coverage_problems({"inbound": 0}) == [
        "rules[0].target_pool: pool 'inbound' has no members; every lead this rule matches goes to overflow"]


def test_rules_after_the_catch_all_are_flagged_as_unreachable():
    problems = _rules(DEFAULT, EMEA).coverage_problems({"emea": 1, "inbound": 1})
    assert problems == ["rules[1]: after the catch-all rules[0], can never match"]


def test_an_account_owner_rule_is_not_a_catch_all():
    assert any("no catch-all" in p for p in _rules(OWNERS).coverage_problems({}))
