"""The guards of a suggestion: refusals that name their numbers."""

import pytest

from services.scorer.suggestions.domain.guards import (
    OutcomeCounts,
    Refused,
    check_counts,
    check_leakage,
    check_requested,
)


def _refusal(call, *args) -> Refused:
    with pytest.raises(Refused) as refused:
        call(*args)
    return refused.value


def test_too_few_outcomes_names_the_numbers_needed_and_found():
    refused = _refusal(check_counts, OutcomeCounts(won=12, not_won=40), "in the window")
    assert refused.code == "too_few_outcomes"
    assert refused.numbers == {"needed": 200, "needed_per_class": 30, "found": 52, "won": 12, "lost_or_rejected": 40}
    assert "found 52 (12 won, 40 lost or rejected)" in refused.message


def test_outcomes_of_one_class_only_are_refused_as_such():
    refused = _refusal(check_counts, OutcomeCounts(won=0, not_won=500), "in the window")
    assert refused.code == "one_class"
    assert "all 500" in refused.message


def test_enough_outcomes_of_both_classes_pass():
    check_counts(OutcomeCounts(won=60, not_won=300), "in the window")


def test_asking_to_learn_from_the_rep_is_refused_as_leakage():
    refused = _refusal(check_requested, ["industry", "rep"])
    assert refused.code == "leakage" and refused.numbers == {"attributes": ["rep"]}


def test_an_attribute_only_won_leads_carry_is_refused_as_leakage():
    counts = OutcomeCounts(won=50, not_won=200, presence={"contract_value": (50, 4), "industry": (50, 200)})
    refused = _refusal(check_leakage, counts)
    assert refused.code == "leakage" and refused.numbers["attribute"] == "contract_value"


def test_an_attribute_both_classes_carry_alike_passes():
    check_leakage(OutcomeCounts(won=50, not_won=200, presence={"industry": (45, 190)}))
