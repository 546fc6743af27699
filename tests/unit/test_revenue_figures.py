"""Revenue figures: rates and ratios from counts and exact sums, the ranking, the too-few rule. Pure."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.router.reporting.domain.revenue import RevenueTally, figures, ranked


def _tally(**data) -> RevenueTally:
    base = dict(group="web", leads=40, sales_ready=20, routed=18, opportunities=8, pipeline_amount=Decimal("80000"),
                won=2, won_amount=Decimal("30000"), priced_won=2, cost=Decimal("4000"))
    return RevenueTally(**{**base, **data})


def test_the_win_rate_is_won_of_opportunities_in_percent():
    assert figures(_tally(won=1, opportunities=3)).win_rate_pct == 33.3


def test_the_average_deal_counts_only_the_won_deals_with_an_amount():
    assert figures(_tally(won=3, priced_won=2)).average_deal == Decimal("15000.00")


def test_costs_per_sales_ready_lead_and_per_won_deal_and_the_return_round_to_cents():
    f = figures(_tally(cost=Decimal("1000"), sales_ready=3, won=3, won_amount=Decimal("2000")))
    assert (f.cost_per_sales_ready, f.cost_per_won, f.return_on_spend) == (
        Decimal("333.33"), Decimal("333.33"), Decimal("2.00"))


def test_a_ratio_over_nothing_is_none_never_zero_or_infinity():
    f = figures(_tally(sales_ready=0, opportunities=0, won=0, priced_won=0, won_amount=Decimal(0), cost=Decimal(0)))
    assert (f.win_rate_pct, f.average_deal, f.cost_per_sales_ready, f.cost_per_won, f.return_on_spend) == (
        None, None, None, None, None)


def test_without_costs_for_the_grouping_every_cost_figure_is_none():
    f = figures(_tally(cost=None))
    assert (f.cost, f.cost_per_sales_ready, f.cost_per_won, f.return_on_spend) == (None, None, None, None)


def test_a_group_below_the_minimum_of_sales_ready_leads_is_too_few_to_judge():
    assert figures(_tally(sales_ready=9), min_sales_ready=10).too_few_to_judge
    assert not figures(_tally(sales_ready=10), min_sales_ready=10).too_few_to_judge


def test_groups_rank_by_won_amount_then_pipeline_then_sales_ready_then_name():
    groups = [figures(_tally(group=g, won_amount=Decimal(w), pipeline_amount=Decimal(p), sales_ready=s))
              for g, w, p, s in (("c", 10, 5, 1), ("a", 10, 5, 1), ("b", 10, 9, 1), ("d", 20, 0, 0), (None, 10, 5, 1))]
    assert [(f.rank, f.group) for f in ranked(groups)] == [(1, "d"), (2, "b"), (3, "a"), (4, "c"), (5, None)]


_amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False)


@given(st.lists(st.tuples(st.text(min_size=1, max_size=5), _amounts, _amounts, st.integers(0, 50)), max_size=12))
def test_the_ranking_is_every_group_once_best_first_numbered_from_one(rows):
    groups = [figures(_tally(group=g, won_amount=w, pipeline_amount=p, sales_ready=s)) for g, w, p, s in rows]
    out = ranked(groups)
    assert [f.rank for f in out] == list(range(1, len(groups) + 1))
    assert sorted(f.group for f in out) == sorted(g for g, *_ in rows)
    keys = [(f.won_amount, f.pipeline_amount, f.sales_ready) for f in out]
    assert keys == sorted(keys, reverse=True)


@given(_amounts, st.integers(1, 1000))
def test_the_average_deal_times_the_deals_is_the_won_amount_within_half_a_cent_each(amount, deals):
    f = figures(_tally(won_amount=amount, won=deals, priced_won=deals))
    assert abs(f.average_deal * deals - amount) <= Decimal("0.005") * deals
