"""One account, one rep: a lead whose account is being worked goes to the colleague's rep."""

from dataclasses import replace

from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.routing import decide
from tests.unit.test_routing_decide import AT, LEAVE, POOLS, REPS, RULES, _lead

WORKED = Account("acc-initech", ("initech.com",), owner_rep_id="rep-o", worked_by="rep-b")


def _decide(account=WORKED, reps=REPS, **kwargs):
    return decide(_lead("peter@initech.com"), RULES, (account,), POOLS, reps, AT, **kwargs)


def test_a_colleague_of_a_lead_being_worked_goes_to_the_same_rep():
    decision = _decide()
    assert (decision.rule, decision.rep_id, decision.account_id) == ("account_in_progress", "rep-b", "acc-initech")


def test_the_colleagues_rep_comes_before_the_account_owner():
    assert _decide().rep_id != WORKED.owner_rep_id


def test_when_the_colleagues_rep_is_on_leave_the_rules_decide():
    decision = _decide(reps={**REPS, "rep-b": RepState("rep-b", out_of_office=LEAVE)})
    assert (decision.rule, decision.rep_id) == ("owners", "rep-o")
    assert (decision.tried[0].rule, decision.tried[0].outcome) == ("account_in_progress", "out_of_office")


def test_a_reassignment_away_from_the_colleagues_rep_lets_the_rules_decide():
    assert _decide(exclude=frozenset({"rep-b"})).rule == "owners"


def test_an_account_nobody_works_yet_is_routed_by_the_rules():
    assert _decide(account=replace(WORKED, worked_by=None)).rule == "owners"
