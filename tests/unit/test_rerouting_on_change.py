"""Re-routing on change: the fields the rules read, what changed, and when a re-decision moves a lead."""

from services.router.routing.domain.changes import changed_fields, fields_read, moves
from services.router.routing.domain.decision import Decision
from services.router.routing.domain.rules import RoutingRule, RuleSet


def _rules(*rules):
    return RuleSet(rules=rules)


def test_the_fields_read_are_the_conditions_fields():
    rules = _rules(RoutingRule(id="us", when=({"field": "country", "equals": "US"},), target_pool="us"),
                   RoutingRule(id="big", when=({"field": "employees", "range": {"gte": 500}},), target_pool="ent"),
                   RoutingRule(id="all", target_pool="default"))
    assert fields_read(rules) == {"country", "employees"}


def test_an_account_owner_rule_reads_the_company_fields():
    rules = _rules(RoutingRule(id="owner", kind="account_owner"), RoutingRule(id="all", target_pool="default"))
    assert fields_read(rules) == {"website", "company_domain", "company", "company_name"}


def test_only_values_that_differ_are_changes():
    assert changed_fields({"country": "US", "title": "VP"}, {"country": "US", "title": "CEO", "city": "Oslo"}) == {
        "title", "city"}


def test_another_rule_and_another_rep_move_the_lead():
    assert moves(Decision("de", None, "rep-b", ()), "us", None, "rep-a")


def test_the_same_rep_does_not_move_the_lead():
    assert not moves(Decision("de", None, "rep-a", ()), "us", None, "rep-a")


def test_a_new_turn_of_the_same_pool_does_not_move_the_lead():
    assert not moves(Decision("emea", "emea", "rep-b", ()), "emea", "emea", "rep-a")


def test_a_new_route_where_nobody_can_take_the_lead_leaves_it_with_its_rep():
    assert not moves(Decision("de", "de", None, ()), "us", "us", "rep-a")
