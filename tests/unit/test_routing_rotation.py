from collections import Counter

import pytest

from services.router.routing.domain.rotation import MemberState, RotationResult, choose, rotation_order

WEIGHTS = {"rep-a": 1, "rep-b": 1, "rep-c": 1, "rep-d": 2}


def _pool(weights=WEIGHTS):
    return tuple(MemberState(rep, weight) for rep, weight in weights.items()), 0.0


def _persist(members, result: RotationResult):
    # What the caller's update amounts to: the chosen member's new state in place.
    return tuple(result.updated if m.rep_id == result.rep_id else m for m in members)


def _run(members, virtual_time, picks, available):
    chosen = []
    for _ in range(picks):
        result = choose(members, virtual_time, available)
        members, virtual_time = _persist(members, result), result.virtual_time
        chosen.append(result.rep_id)
    return chosen, members, virtual_time


def test_weights_1_1_1_2_over_1000_picks_give_counts_within_1_of_ideal():
    members, vt = _pool()
    chosen, _, _ = _run(members, vt, 1000, set(WEIGHTS))
    counts = Counter(chosen)
    for rep, ideal in {"rep-a": 200, "rep-b": 200, "rep-c": 200, "rep-d": 400}.items():
        assert abs(counts[rep] - ideal) <= 1


def test_every_prefix_of_the_rotation_stays_within_2_of_the_weighted_share():
    members, vt = _pool()
    chosen, _, _ = _run(members, vt, 1000, set(WEIGHTS))
    counts = Counter()
    for n, rep in enumerate(chosen, start=1):
        counts[rep] += 1
        assert all(abs(counts[r] - n * w / 5) < 2 for r, w in WEIGHTS.items())


def test_a_rep_back_from_leave_gets_no_burst_only_their_weighted_share():
    members, vt = _pool()
    _, members, vt = _run(members, vt, 100, {"rep-b", "rep-c", "rep-d"})  # rep-a away for 100 leads
    chosen, _, _ = _run(members, vt, 50, set(WEIGHTS))
    assert abs(Counter(chosen)["rep-a"] - 10) <= 1


def test_a_new_member_joins_level_with_the_pool_not_at_zero():
    members, vt = _pool({"rep-a": 1, "rep-b": 1})
    _, members, vt = _run(members, vt, 100, {"rep-a", "rep-b"})
    members += (MemberState("rep-c", 1),)
    chosen, _, _ = _run(members, vt, 30, {"rep-a", "rep-b", "rep-c"})
    assert Counter(chosen) == {"rep-a": 10, "rep-b": 10, "rep-c": 10}


def test_skipped_members_are_passed_over_and_keep_their_place():
    members, vt = _pool()
    result = choose(members, vt, {"rep-c"})
    assert result.rep_id == "rep-c"
    assert result.updated == MemberState("rep-c", 1, 1.0)


def test_equal_passes_are_broken_by_rep_id():
    members = (MemberState("rep-b", 1, 3.0), MemberState("rep-a", 1, 3.0))
    assert choose(members, 3.0, {"rep-a", "rep-b"}).rep_id == "rep-a"


def test_the_virtual_time_becomes_the_pass_the_lead_was_given_at_and_never_goes_back():
    members = (MemberState("rep-a", 2, 5.0), MemberState("rep-b", 1, 1.0))
    result = choose(members, 4.0, {"rep-a", "rep-b"})  # rep-b is lifted from 1.0 to 4.0
    assert (result.rep_id, result.updated.pass_value, result.virtual_time) == ("rep-b", 5.0, 4.0)


def test_with_nobody_available_nothing_changes():
    members, vt = _pool()
    assert choose(members, 7.5, set()) == choose(members, 7.5, {"someone-else"})
    assert choose(members, 7.5, set()).updated is None
    assert choose(members, 7.5, set()).virtual_time == 7.5


def test_the_rotation_is_deterministic():
    members, vt = _pool()
    first, _, _ = _run(members, vt, 200, set(WEIGHTS))
    second, _, _ = _run(tuple(reversed(members)), vt, 200, set(WEIGHTS))
    assert first == second


def test_the_rotation_order_lists_who_is_next_in_line():
    members = (MemberState("rep-a", 1, 2.0), MemberState("rep-b", 1, 0.0), MemberState("rep-c", 1, 1.5))
    assert [m.rep_id for m in rotation_order(members, 1.0)] == ["rep-b", "rep-c", "rep-a"]


@pytest.mark.parametrize("weight", [0, -1, 1.5])
def test_a_weight_must_be_a_whole_number_of_at_least_1(weight):
    with pytest.raises(ValueError):
        MemberState("rep-a", weight)
