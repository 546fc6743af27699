"""From coefficients to points: the scale, merged ranges, when a feature is a disqualifier, a lead's top factors."""

import math

from services.scorer.suggestions.domain.factors import top_factors
from services.scorer.suggestions.domain.features import Feature, bin_feature
from services.scorer.suggestions.domain.points import merged_bins, never_wins, to_points


def test_four_times_the_odds_is_twenty_points():
    assert to_points(math.log(4)) == 20


def test_half_the_odds_is_minus_ten_points():
    assert to_points(-math.log(2)) == -10


def test_points_are_whole_numbers():
    assert isinstance(to_points(0.123), int)


def test_neighbouring_ranges_close_in_points_become_one_range():
    bins = [bin_feature("employees", None, 50), bin_feature("employees", 50, 200), bin_feature("employees", 200, 1000),
            bin_feature("employees", 1000, None)]
    merged = merged_bins(bins, [0.0, math.log(4), math.log(4) * 1.1, 0.0])
    assert [f.label for f in merged] == ["employees below 50", "employees 50 to 999", "employees 1000 or more"]


def test_ranges_far_apart_in_points_stay_apart():
    bins = [bin_feature("employees", None, 50), bin_feature("employees", 50, None)]
    assert len(merged_bins(bins, [0.0, math.log(4)])) == 2


def test_ranges_of_different_attributes_never_merge():
    bins = [bin_feature("employees", None, 50), bin_feature("revenue", None, 50)]
    assert len(merged_bins(bins, [1.0, 1.0])) == 2


def test_other_features_pass_through_merging_unchanged():
    other = Feature("industry_fintech", "categorical", "industry = fintech")
    assert merged_bins([other], [1.0]) == [other]


def test_a_feature_that_never_won_where_chance_predicts_several_wins_is_a_disqualifier():
    assert never_wins(support=100, wins=0, base_rate=0.1, min_support=20)


def test_a_feature_that_never_won_where_chance_predicts_almost_none_is_no_disqualifier():
    assert not never_wins(support=30, wins=0, base_rate=0.1, min_support=20)


def test_a_feature_that_won_once_is_no_disqualifier():
    assert not never_wins(support=100, wins=1, base_rate=0.1, min_support=20)


def test_a_leads_top_factors_are_the_strongest_that_hold_for_it():
    factors = [{"id": "industry_fintech", "label": "industry = fintech", "coefficient": math.log(4),
                "when": [{"field": "industry", "equals": "fintech"}], "rule": None},
               {"id": "country_us", "label": "country = US", "coefficient": -0.5,
                "when": [{"field": "country", "equals": "US"}], "rule": None},
               {"id": "engaged_demo", "label": "did demo", "coefficient": 2.0, "when": [], "rule": "demo"}]
    assert top_factors(factors, {"industry": "fintech", "country": "DE"}) == [
        {"id": "industry_fintech", "label": "industry = fintech", "points": 20}]
