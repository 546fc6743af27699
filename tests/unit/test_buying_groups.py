"""Buying groups: personas by title or role, and when an account is sales-ready."""

import copy
from datetime import UTC, datetime, timedelta

import pytest

from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.accounts import AccountView, account_ready, engagement_rise, persona_of
from services.scorer.scoring.domain.intent import Signal
from services.scorer.scoring.domain.scoring import LeadProfile, Touch
from tests.unit.test_agreement_document import VALID

GROUP = {"tier": "hot", "min_personas": 2, "min_engagement": 50, "min_fit": 20, "personas": [
    {"id": "decision_maker", "when": [{"field": "title", "regex": "(?i)\\b(vp|chief|head)\\b"}]},
    {"id": "champion", "when": [{"field": "title", "regex": "(?i)manager"}]},
    {"id": "technical_evaluator", "when": [{"field": "role", "in": ["engineering", "it"]}]},
]}


def _doc(**changes) -> AgreementDocument:
    doc = copy.deepcopy(VALID)
    doc["buying_group"] = {**GROUP, **changes}
    return AgreementDocument.model_validate(doc)


def _persona(**attributes) -> str | None:
    return persona_of(_doc(), LeadProfile("x@acme.com", attributes))


def test_a_contact_is_the_first_persona_its_title_matches():
    assert _persona(title="VP Sales") == "decision_maker"


def test_a_persona_may_be_named_by_role_rather_than_title():
    assert _persona(title="Staff", role="engineering") == "technical_evaluator"


def test_a_contact_matching_no_persona_has_none():
    assert _persona(title="Intern") is None


def test_an_account_is_sales_ready_when_engagement_fit_and_personas_reach_the_thresholds():
    assert account_ready(_doc(), AccountView(60, 30, ("decision_maker", "champion")))


@pytest.mark.parametrize("view", [AccountView(40, 30, ("decision_maker", "champion")),
                                  AccountView(60, 10, ("decision_maker", "champion")),
                                  AccountView(60, 30, ("decision_maker", "decision_maker"))])
def test_an_account_short_of_any_threshold_is_not_sales_ready(view):
    assert not account_ready(_doc(), view)


def test_without_a_tier_no_account_is_ever_sales_ready():
    assert not account_ready(_doc(tier=None), AccountView(1000, 1000, ("decision_maker", "champion")))


def test_more_personas_asked_for_than_named_is_refused():
    with pytest.raises(ValueError, match="min_personas"):
        _doc(min_personas=4)


def test_a_buying_group_tier_must_be_an_sla_tier():
    with pytest.raises(ValueError, match="buying_group.tier"):
        _doc(tier="platinum")


def test_an_accounts_rise_is_its_contacts_decayed_engagement_gained_in_the_window():
    start = datetime(2026, 11, 23, tzinfo=UTC)
    before = Touch("e1", "page_view", start - timedelta(days=1), url="/pricing")  # 10, VALID's pricing rule
    during = Touch("e2", "page_view", start + timedelta(days=1), url="/pricing")
    doc = AgreementDocument.model_validate({**VALID, "engagement": {**VALID["engagement"], "half_life_days": None}})
    contacts = {"a@x.com": [before], "b@x.com": [during]}
    assert engagement_rise(doc, contacts, start, start + timedelta(days=7)) == (20, 10)


def test_an_accounts_rise_counts_its_intent_signals_with_the_agreements_weight():
    start = datetime(2026, 11, 23, tzinfo=UTC)
    doc = AgreementDocument.model_validate({**VALID, "engagement": {**VALID["engagement"], "half_life_days": None},
                                            "intent": {"half_life_days": None, "weight": 0.5, "rules": [
                                                {"id": "crm", "bands": [{"min_strength": 60, "points": 20}]}]}})
    signal = Signal("s1", "CRM software", 80, start + timedelta(days=2))
    assert engagement_rise(doc, {}, start, start + timedelta(days=7), [signal]) == (10, 10)
