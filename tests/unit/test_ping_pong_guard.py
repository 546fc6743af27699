"""The ping-pong guard: which reps a reassignment skips, under the SLA tier's `exclude_last`."""

from services.agreement.handoff_sections import Breach, SlaTier
from services.router.routing.domain.pingpong import excluded_on_reassign


def _tier(exclude_last=None):
    return SlaTier(name="hot", first_touch_minutes=30, accept_minutes=60, on_breach=Breach(exclude_last=exclude_last))


def test_without_a_limit_every_assignee_of_this_handoff_is_excluded_and_no_earlier_handoffs():
    exclusion = excluded_on_reassign(_tier(), "rep-c", ["rep-a", "rep-b", "rep-c"],
                                     ["rep-c", "rep-b", "rep-a", "rep-z"])
    assert exclusion.reps == {"rep-a", "rep-b", "rep-c"} and exclusion.last_n is None


def test_with_a_limit_the_leads_last_n_assignees_over_all_its_handoffs_are_excluded():
    exclusion = excluded_on_reassign(_tier(2), "rep-c", ["rep-c"], ["rep-c", "rep-z", "rep-a"])
    assert exclusion.reps == {"rep-c", "rep-z"} and exclusion.last_n == 2


def test_an_assignee_older_than_the_last_n_may_have_the_lead_again():
    exclusion = excluded_on_reassign(_tier(1), "rep-b", ["rep-a", "rep-b"], ["rep-b", "rep-a"])
    assert exclusion.reps == {"rep-b"}


def test_the_rep_holding_the_lead_is_always_excluded():
    assert "rep-a" in excluded_on_reassign(_tier(3), "rep-a", [], []).reps
    assert "rep-a" in excluded_on_reassign(None, "rep-a", [], []).reps


def test_a_rep_listed_twice_counts_once_towards_n():
    exclusion = excluded_on_reassign(_tier(2), "rep-a", ["rep-a"], ["rep-a", "rep-a", "rep-b", "rep-c"])
    assert exclusion.reps == {"rep-a", "rep-b"}
