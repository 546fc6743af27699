"""Least-busy distribution: fewest open leads for the weight, ties by the rotation, then rep id."""

from datetime import UTC, datetime
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from services.router.routing.domain.availability import RepState
from services.router.routing.domain.distribution import LEAST_BUSY, load, pick
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import LeadFacts, Pool, decide
from services.router.routing.domain.rules import RoutingRule, RuleSet

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
RULES = RuleSet(rules=(RoutingRule(id="all", target_pool="inbound"),))


def _members(weights):
    return tuple(MemberState(rep, w) for rep, w in weights.items())


def _persist(members, result):
    return tuple(result.updated if m.rep_id == result.rep_id else m for m in members)


def _fill(weights, open_leads, picks):
    """Picks `picks` leads in a row, none of them closed, and returns the final open counts."""
    members, vt, open_leads = _members(weights), 0.0, dict(open_leads)
    for _ in range(picks):
        result = pick(LEAST_BUSY, members, vt, set(weights), open_leads)
        members, vt = _persist(members, result), result.virtual_time
        open_leads[result.rep_id] = open_leads.get(result.rep_id, 0) + 1
    return open_leads


def test_the_rep_with_the_fewest_open_leads_gets_the_lead():
    members = _members({"rep-a": 1, "rep-b": 1, "rep-c": 1})
    result = pick(LEAST_BUSY, members, 0.0, {"rep-a", "rep-b", "rep-c"}, {"rep-a": 5, "rep-b": 2, "rep-c": 7})
    assert result.rep_id == "rep-b"


def test_open_leads_are_weighed_so_a_rep_of_weight_2_carries_twice_as_many():
    members = _members({"rep-a": 1, "rep-b": 2})
    assert pick(LEAST_BUSY, members, 0.0, {"rep-a", "rep-b"}, {"rep-a": 2, "rep-b": 3}).rep_id == "rep-b"
    assert pick(LEAST_BUSY, members, 0.0, {"rep-a", "rep-b"}, {"rep-a": 2, "rep-b": 5}).rep_id == "rep-a"


def test_equal_loads_go_to_the_rep_next_in_the_rotation():
    members = (MemberState("rep-a", 1, 3.0), MemberState("rep-b", 1, 2.0))
    assert pick(LEAST_BUSY, members, 0.0, {"rep-a", "rep-b"}, {"rep-a": 1, "rep-b": 1}).rep_id == "rep-b"


def test_equal_loads_and_passes_go_to_the_smaller_rep_id():
    members = (MemberState("rep-b", 1, 1.0), MemberState("rep-a", 1, 1.0))
    assert pick(LEAST_BUSY, members, 1.0, {"rep-a", "rep-b"}, {}).rep_id == "rep-a"


def test_loads_that_are_equal_as_fractions_tie_exactly():
    assert load(MemberState("rep-a", 4), {"rep-a": 2}) == load(MemberState("rep-b", 2), {"rep-b": 1}) == Fraction(1, 2)


def test_reps_with_equal_loads_take_turns_instead_of_one_rep_taking_every_tie():
    members, vt = _members({"rep-a": 1, "rep-b": 1}), 0.0
    chosen = []
    for _ in range(4):  # nobody's leads count as open (all closed at once): only the rotation decides
        result = pick(LEAST_BUSY, members, vt, {"rep-a", "rep-b"}, {})
        members, vt = _persist(members, result), result.virtual_time
        chosen.append(result.rep_id)
    assert chosen == ["rep-a", "rep-b", "rep-a", "rep-b"]


def test_a_pool_that_starts_uneven_is_levelled_before_the_busy_rep_gets_more():
    final = _fill({"rep-a": 1, "rep-b": 1, "rep-c": 1}, {"rep-a": 10}, 20)
    assert final == {"rep-a": 10, "rep-b": 10, "rep-c": 10}


def test_leads_in_a_row_end_shared_by_weight():
    final = _fill({"rep-a": 1, "rep-b": 1, "rep-c": 1, "rep-d": 2}, {}, 1000)
    assert all(abs(final[rep] - ideal) <= 1 for rep, ideal in
               {"rep-a": 200, "rep-b": 200, "rep-c": 200, "rep-d": 400}.items())


def test_nobody_available_changes_nothing():
    members = _members({"rep-a": 1})
    result = pick(LEAST_BUSY, members, 2.5, set(), {})
    assert (result.rep_id, result.updated, result.virtual_time) == (None, None, 2.5)


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]),
                       st.tuples(st.integers(1, 5), st.integers(0, 50), st.booleans()), min_size=1),
       st.floats(0, 100, allow_nan=False))
def test_the_chosen_rep_is_available_and_no_available_rep_is_less_busy(reps, virtual_time):
    members = tuple(MemberState(rep, w, float(i)) for i, (rep, (w, _, _)) in enumerate(sorted(reps.items())))
    open_leads = {rep: n for rep, (_, n, _) in reps.items()}
    available = {rep for rep, (_, _, free) in reps.items() if free}
    result = pick(LEAST_BUSY, members, virtual_time, available, open_leads)
    if not available:
        assert result.rep_id is None
        return
    assert result.rep_id in available
    chosen = next(m for m in members if m.rep_id == result.rep_id)
    assert all(load(chosen, open_leads) <= load(m, open_leads) for m in members if m.rep_id in available)
    assert result.virtual_time >= virtual_time


def test_decide_lists_each_candidate_with_the_open_leads_it_compared_and_the_skip_reasons():
    pool = Pool("inbound", members=_members({"rep-a": 1, "rep-b": 1, "rep-c": 1}), distribution=LEAST_BUSY)
    reps = {"rep-a": RepState("rep-a", open_count=1), "rep-b": RepState("rep-b", active=False, open_count=0),
            "rep-c": RepState("rep-c", open_count=4)}
    decision = decide(LeadFacts("lead@x.example"), RULES, [], {"inbound": pool}, reps, AT)
    assert decision.rep_id == "rep-a"
    assert decision.explain()["considered"] == [{"rep_id": "rep-b", "skipped": "inactive", "open_leads": 0},
                                                {"rep_id": "rep-a", "skipped": None, "open_leads": 1}]


def test_a_least_busy_pool_whose_members_are_all_skipped_overflows_with_every_reason():
    pool = Pool("inbound", members=_members({"rep-a": 1, "rep-b": 1}), distribution=LEAST_BUSY)
    reps = {"rep-a": RepState("rep-a", max_open=2, open_count=2), "rep-b": RepState("rep-b", active=False)}
    decision = decide(LeadFacts("lead@x.example"), RULES, [], {"inbound": pool}, reps, AT)
    assert decision.rep_id is None and decision.rotation is None
    assert [(c.rep_id, c.skipped) for c in decision.considered] == [("rep-b", "inactive"),
                                                                    ("rep-a", "at_capacity_open")]
