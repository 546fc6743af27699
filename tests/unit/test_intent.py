"""Account-level intent: the agreement's points per topic and strength band, decayed, in the account share."""

import copy
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agreement.document import AgreementDocument
from services.agreement.scoring_sections import IntentSection
from services.scorer.integrations.common import MalformedBody
from services.scorer.integrations.intent_csv import parse_intent_csv
from services.scorer.scoring.domain.engine import build, evaluate_state
from services.scorer.scoring.domain.intent import Signal, intent_points, signal_points
from services.scorer.scoring.domain.scoring import LeadProfile, Touch, evaluate, fit
from tests.unit.test_agreement_document import VALID

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SECTION = IntentSection.model_validate({
    "half_life_days": 7, "weight": 0.5,
    "rules": [{"id": "crm", "topics": ["CRM Software"], "bands": [{"min_strength": 80, "points": 20},
                                                                   {"min_strength": 50, "points": 8}]},
              {"id": "any", "bands": [{"min_strength": 90, "points": 2}]}]})
PROFILE = LeadProfile("ada@acme.com", {"company": "Acme", "employees": 200})


def _signal(key: str = "s1", topic: str = "crm software", strength: float = 85, days: float = 0) -> Signal:
    return Signal(key, topic, strength, T0 + timedelta(days=days))


def _document(**intent) -> AgreementDocument:
    doc = copy.deepcopy(VALID)
    doc["intent"] = {**SECTION.model_dump(), **intent}
    return AgreementDocument.model_validate(doc)


def test_a_signal_scores_the_highest_band_it_reaches():
    assert signal_points(SECTION, _signal(strength=85)) == ("crm", 20)
    assert signal_points(SECTION, _signal(strength=60)) == ("crm", 8)


def test_a_signal_below_every_band_of_its_rule_scores_nothing():
    assert signal_points(SECTION, _signal(strength=10)) == ("crm", 0.0)


def test_topics_are_compared_ignoring_case():
    assert signal_points(SECTION, _signal(topic="CRM SOFTWARE"))[0] == "crm"


def test_a_rule_without_topics_takes_every_other_topic():
    assert signal_points(SECTION, _signal(topic="payroll", strength=95)) == ("any", 2)


def test_a_topic_no_rule_takes_scores_nothing():
    section = IntentSection.model_validate({"rules": [SECTION.rules[0].model_dump()]})
    assert signal_points(section, _signal(topic="payroll")) is None


def test_intent_halves_every_half_life_after_the_signal_was_observed():
    assert intent_points(SECTION, [_signal()], T0 + timedelta(days=7)) == pytest.approx(10)


def test_a_signal_observed_after_the_scoring_time_does_not_count_yet():
    assert intent_points(SECTION, [_signal(days=1)], T0) == 0


def test_a_signal_counts_once_however_often_it_is_stored():
    assert intent_points(SECTION, [_signal(), _signal()], T0) == 20


def test_bands_with_the_same_strength_are_refused():
    with pytest.raises(ValueError, match="duplicate band"):
        IntentSection.model_validate({"rules": [{"id": "x", "bands": [{"min_strength": 50, "points": 1},
                                                                       {"min_strength": 50, "points": 2}]}]})


def test_a_strength_band_beyond_100_is_refused():
    with pytest.raises(ValueError, match="min_strength"):
        IntentSection.model_validate({"rules": [{"id": "x", "bands": [{"min_strength": 101, "points": 1}]}]})


def test_the_lead_gets_the_weighted_intent_of_its_account_in_its_account_share():
    doc = _document()
    result = evaluate(doc, PROFILE, [Touch("e1", "page_view", T0)], T0, intent=20)
    assert result.account_engagement == 10  # weight 0.5 of 20
    assert ("intent", 10) in [(c.rule, c.points) for c in result.explanation]


def test_intent_can_make_a_lead_sales_ready():
    raw = _document(weight=1.0).model_dump(mode="json")
    raw["sales_ready"]["tiers"] = [{"name": "warm", "min_fit": 20, "min_engagement": 30}]
    doc = AgreementDocument.model_validate(raw)
    touches = [Touch("e1", "page_view", T0, url="/pricing")]  # 10 points, fit 20
    assert not evaluate(doc, PROFILE, touches, T0).sales_ready
    assert evaluate(doc, PROFILE, touches, T0, intent=20).tier == "warm"  # 10 + 20


def test_an_agreement_without_intent_rules_ignores_intent():
    doc = AgreementDocument.model_validate(VALID)
    assert evaluate(doc, PROFILE, [], T0, intent=50).account_engagement == 0


signals = st.lists(st.builds(_signal, st.integers(0, 9).map(lambda k: f"s{k}"),
                             st.sampled_from(["crm software", "CRM Software", "payroll"]),
                             st.sampled_from([0, 49.5, 50, 80, 90, 100]), st.integers(0, 30)),
                   max_size=12, unique_by=lambda s: s.key)  # a key names one signal (the table's primary key)


@settings(max_examples=200, deadline=None)
@given(signals, st.randoms())
def test_intent_does_not_depend_on_the_order_signals_arrive_in(history, rng):
    shuffled = list(history)
    rng.shuffle(shuffled)
    at = T0 + timedelta(days=31)
    assert math.isclose(intent_points(SECTION, history, at), intent_points(SECTION, shuffled, at), abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(signals, st.integers(0, 30))
def test_without_new_signals_intent_only_decays(history, days):
    at = T0 + timedelta(days=30)
    later = at + timedelta(days=days)
    assert math.isclose(intent_points(SECTION, history, later), intent_points(SECTION, history, at) * 0.5 ** (days / 7),
                        rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([0, 3.5, 20, 55]))
def test_the_engine_counts_intent_as_the_replay_does(intent):
    doc = _document()
    touches = [Touch("e1", "page_view", T0, url="/pricing"), Touch("e2", "demo_request", T0 + timedelta(hours=1))]
    fitted, at = fit(doc, PROFILE), T0 + timedelta(hours=2)
    assert evaluate_state(doc, build(doc, 1, touches), fitted, at, 0, intent) == evaluate(
        doc, PROFILE, touches, at, 0, fitted, intent)


BOMBORA = "Domain,Company Name,Topic Name,Composite Score,Date\nacme.com,Acme,CRM Software,72,2026-11-23\n"


def test_a_provider_csv_export_reads_with_its_own_column_names():
    assert parse_intent_csv(BOMBORA, "bombora") == [{"account": "acme.com", "topic": "CRM Software",
                                                     "strength": "72", "provider": "bombora",
                                                     "observed_at": "2026-11-23T00:00:00+00:00"}]


def test_a_csv_without_a_required_column_is_refused_naming_it():
    with pytest.raises(MalformedBody, match="topic"):
        parse_intent_csv("domain,score,date\nacme.com,72,2026-11-23\n", "bombora")


def test_a_csv_without_a_provider_column_needs_the_provider_named():
    with pytest.raises(MalformedBody, match=r"provider="):
        parse_intent_csv(BOMBORA)
