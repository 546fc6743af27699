import re

import pytest
from pydantic import ValidationError

from services.shared.conditions import (
    MAX_MATCHED_LENGTH,
    MAX_PATTERN_LENGTH,
    Condition,
    check_regex,
    compiled,
    evaluate,
)


def _c(**kw) -> Condition:
    return Condition.model_validate(kw)


def test_equals_ignores_case_and_surrounding_space():
    assert evaluate(_c(field="country", equals="DE"), {"country": " de "}).matched


def test_in_matches_any_listed_value():
    assert evaluate(_c(field="industry", **{"in": ["saas", "software"]}), {"industry": "Software"}).matched


def test_range_bounds_are_inclusive_or_exclusive_as_named():
    cond = _c(field="employees", range={"gte": 50, "lt": 1000})
    assert [evaluate(cond, {"employees": n}).matched for n in (49, 50, 999, 1000)] == [False, True, True, False]


def test_a_value_of_the_wrong_type_does_not_match_and_is_reported():
    outcome = evaluate(_c(field="employees", range={"gte": 50}), {"employees": "lots"})
    assert not outcome.matched
    assert "not a number" in outcome.mismatch


def test_exists_checks_presence_of_a_non_empty_value():
    cond = _c(field="company", exists=True)
    assert [evaluate(cond, r).matched for r in ({"company": "Acme"}, {"company": ""}, {})] == [True, False, False]


def test_regex_searches_the_value():
    assert evaluate(_c(field="title", regex=r"(?i)\b(vp|head)\b"), {"title": "Head of Sales"}).matched


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a*)*b", r"(\w+\s?)*$", r"(a|a)*$", r"(a|aa)+$", r"(.*a){12}"])
def test_a_pattern_that_backtracks_exponentially_elsewhere_is_run_by_the_linear_time_engine(pattern):
    # RE2 guarantees time linear in the input; its speed is not asserted here.
    assert type(compiled(pattern)).__module__.startswith("re2")
    cond = _c(field="title", regex=pattern)
    for value in ("a" * MAX_MATCHED_LENGTH + "!", "a" * 5000):
        evaluate(cond, {"title": value})  # answers at all: a backtracking engine would not in a test's lifetime
    short = "a" * 12 + "!"  # short enough for Python's backtracking engine: the oracle
    assert evaluate(cond, {"title": short}).matched == (re.search(pattern, short) is not None)


@pytest.mark.parametrize("pattern", [r"(a|aa)+\1", r"(?=a)b", r"(?<!a)b", r"(?P<x>a)(?P=x)"])
def test_a_pattern_the_linear_engine_cannot_run_is_refused(pattern):
    with pytest.raises(ValueError, match="invalid regex.*RE2"):
        check_regex(pattern)


def test_a_pattern_whose_program_is_too_large_is_refused():
    with pytest.raises(ValueError, match="invalid regex"):
        check_regex(r"((((a{100}){100}){100}){100})")


def test_a_pattern_longer_than_the_limit_is_refused():
    with pytest.raises(ValueError, match="longer than"):
        check_regex("a" * (MAX_PATTERN_LENGTH + 1))


def test_a_refused_pattern_names_the_regex_field():
    with pytest.raises(ValidationError) as caught:
        _c(field="title", regex=r"(a)\1")
    assert [e["loc"] for e in caught.value.errors()] == [("regex",)]


def test_an_invalid_regex_is_refused_at_validation():
    with pytest.raises(ValidationError, match="invalid regex"):
        _c(field="title", regex="(unclosed")


def test_a_condition_needs_exactly_one_operator():
    with pytest.raises(ValidationError, match="exactly one operator"):
        _c(field="title", equals="x", exists=True)


def test_a_list_value_is_a_recorded_mismatch_not_a_crash():
    outcome = evaluate(_c(field="industry", **{"in": ["saas"]}), {"industry": ["saas", "fintech"]})
    assert not outcome.matched
    assert "not a plain value" in outcome.mismatch
