"""Key accounts: named or described by the agreement, their own SLA tier, never a pool when they have an owner."""

import copy
from datetime import timedelta

import pytest

from schemas.events import LeadQualified
from services.agreement.account_sections import KeyAccounts
from services.agreement.document import AgreementDocument
from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.key_accounts import key_account_reason
from services.router.routing.domain.routing import decide
from services.router.routing.handlers import key_tier
from tests.unit.test_agreement_document import VALID
from tests.unit.test_routing_decide import AT, LEAVE, POOLS, REPS, RULES, _lead

KEYS = KeyAccounts.model_validate({
    "domains": ["www.bigbank.co.uk"], "sla_tier": "hot",
    "rules": [{"id": "enterprise", "when": [{"field": "employees", "range": {"gte": 5000}}]}]})
BIGBANK = Account("acc-bigbank", ("bigbank.co.uk",), owner_rep_id="rep-o")
FLAGGED = Account("acc-flagged", ("flagged.com",), owner_rep_id="rep-o", key_account=True)
OWNERLESS = Account("acc-new", ("newco.com",))


def _decide(lead, reps=REPS, accounts=(BIGBANK, FLAGGED, OWNERLESS), **kwargs):
    return decide(lead, RULES, accounts, POOLS, reps, AT, key_accounts=KEYS, **kwargs)


def test_an_account_the_agreement_names_by_domain_is_key():
    assert key_account_reason(KEYS, None, ("bigbank.co.uk",), {}) == "agreement.domains"


def test_an_account_that_meets_a_key_account_rule_is_key():
    assert key_account_reason(KEYS, None, ("globex.com",), {"employees": 9000}) == "agreement.rules.enterprise"


def test_an_account_sales_ops_flagged_is_key():
    assert key_account_reason(None, FLAGGED, ("flagged.com",), {}) == "sales_ops"


def test_any_other_account_is_not_key():
    assert key_account_reason(KEYS, OWNERLESS, ("newco.com",), {"employees": 40}) is None


def test_a_key_accounts_lead_goes_to_its_owner_even_when_the_owner_is_on_leave():
    reps = {**REPS, "rep-o": RepState("rep-o", out_of_office=LEAVE)}
    decision = _decide(_lead("ceo@bigbank.co.uk"), reps=reps)
    assert (decision.rule, decision.rep_id, decision.pool_id, decision.key_account) == (
        "key_account_owner", "rep-o", None, "agreement.domains")


def test_a_key_accounts_lead_whose_owner_left_overflows_rather_than_going_to_a_pool():
    reps = {**REPS, "rep-o": RepState("rep-o", active=False)}
    decision = _decide(_lead("ceo@bigbank.co.uk"), reps=reps)
    assert (decision.rep_id, decision.pool_id) == (None, None)
    assert "never goes to a pool" in decision.overflow_reason


def test_a_reassigned_key_accounts_lead_does_not_go_to_a_pool():
    decision = _decide(_lead("ceo@flagged.com"), exclude=frozenset({"rep-o"}))
    assert decision.rep_id is None and decision.considered[0].skipped == "excluded"


def test_a_key_account_without_an_owner_is_routed_by_the_rules_as_key():
    decision = _decide(_lead("cto@newco.com", attributes={"employees": 8000}))
    assert (decision.rule, decision.key_account) == ("default", "agreement.rules.enterprise")


def test_a_lead_that_is_no_key_account_is_routed_as_before():
    decision = _decide(_lead("kim@globex.com"))
    assert (decision.rule, decision.key_account) == ("default", None)


def _qualified(tier="warm") -> LeadQualified:
    return LeadQualified(lead_key="ceo@bigbank.co.uk", source="api", qualified_at=AT - timedelta(minutes=1),
                         reason="threshold:warm", tier=tier)


def test_a_key_accounts_lead_takes_the_key_account_sla_tier():
    decision = _decide(_lead("ceo@bigbank.co.uk"))
    assert key_tier(_qualified(), decision, KEYS).tier == "hot"


def test_any_other_lead_keeps_its_tier():
    assert key_tier(_qualified(), _decide(_lead("kim@globex.com")), KEYS).tier == "warm"


def test_a_key_account_sla_tier_must_be_an_sla_tier():
    doc = copy.deepcopy(VALID)
    doc["key_accounts"] = {"sla_tier": "platinum"}
    with pytest.raises(ValueError, match="key_accounts.sla_tier"):
        AgreementDocument.model_validate(doc)
