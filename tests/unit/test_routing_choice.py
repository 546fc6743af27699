from services.router.domain.routing import Candidate, choose_from_pool


def test_the_only_active_rep_of_the_pool_gets_the_lead():
    decision = choose_from_pool("default", [Candidate("rep-a", active=True)])
    assert decision.rep_id == "rep-a"


def test_inactive_reps_are_skipped_with_the_reason():
    decision = choose_from_pool("default", [Candidate("rep-a", False), Candidate("rep-b", True)])
    assert decision.rep_id == "rep-b"
    assert [(c.rep_id, c.skipped) for c in decision.considered] == [("rep-a", "inactive"), ("rep-b", None)]


def test_a_pool_with_nobody_available_overflows():
    decision = choose_from_pool("default", [Candidate("rep-a", False)])
    assert decision.rep_id is None
    assert decision.explain()["considered"] == [{"rep_id": "rep-a", "skipped": "inactive"}]
