"""A sales-ready account becomes one qualification the router routes as a lead keyed by the account."""

from datetime import UTC, datetime

from schemas.events import AccountQualified
from schemas.messages import AccountQualifiedEvent
from services.router.routing.accounts import as_qualification
from services.router.routing.domain.accounts import Account
from services.router.routing.domain.routing import decide
from services.router.routing.handlers import lead_facts
from tests.unit.test_routing_decide import AT, POOLS, REPS, RULES

EVENT = AccountQualifiedEvent(id="acc-1", source="scorer", data=AccountQualified(
    account_key="initech.com", qualified_at=datetime(2026, 3, 2, 9, tzinfo=UTC), tier="hot", engagement_score=75,
    fit_score=80, personas=("champion", "decision_maker"), contacts=("bill@initech.com", "peter@initech.com"),
    lead_key="peter@initech.com", agreement_version=3))


def test_an_accounts_qualification_is_keyed_by_the_account_and_carries_its_contacts():
    q = as_qualification(EVENT)
    assert (q.id, q.data.lead_key, q.data.tier, q.data.agreement_version) == ("acc-1", "account:initech.com", "hot", 3)
    assert q.data.attributes["contacts"] == ["bill@initech.com", "peter@initech.com"]


def test_an_account_is_routed_to_the_owner_of_its_router_account_by_domain():
    owned = Account("acc-initech", ("initech.com",), owner_rep_id="rep-o")
    decision = decide(lead_facts(as_qualification(EVENT).data), RULES, (owned,), POOLS, REPS, AT)
    assert (decision.rule, decision.rep_id, decision.account_id) == ("owners", "rep-o", "acc-initech")
