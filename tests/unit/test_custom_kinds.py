"""An open vocabulary: the agreement declares custom activity kinds beside the built-in ones."""

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from schemas.events import EngagementRecorded
from services.agreement.document import AgreementDocument
from services.agreement.text import AgreementInvalid, parse_agreement
from services.scorer.scoring.domain.engine import build, evaluate_state
from services.scorer.scoring.domain.scoring import LeadProfile, Touch, engagement, evaluate, fit, undeclared
from tests.unit.test_agreement_document import VALID

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WEBINAR = {"name": "webinar_registered", "description": "Registered for a webinar (Marketo custom activity)"}
PROFILE = LeadProfile("ada@acme.com", {"company": "Acme", "employees": 200})


def _document(**changes) -> dict:
    doc = copy.deepcopy(VALID)
    doc["activities"] = [WEBINAR]
    doc["engagement"]["rules"].append({"id": "webinar_registered", "activity": "webinar_registered", "points": 12})
    doc.update(changes)
    return doc


def _parsed(doc: dict) -> AgreementDocument:
    return parse_agreement(json.dumps(doc), "json")


def _errors(doc: dict) -> dict[str, str]:
    with pytest.raises(AgreementInvalid) as caught:
        _parsed(doc)
    return dict(caught.value.errors)


def _touch(key: str, activity: str, hours: float = 0, **fields) -> Touch:
    return Touch(key, activity, T0 + timedelta(hours=hours), **fields)


def test_an_agreement_may_declare_a_custom_kind_and_give_it_points():
    doc = _parsed(_document())
    assert doc.declares("webinar_registered") and doc.custom_kind("webinar_registered").description


def test_every_built_in_kind_is_declared_without_a_declaration():
    assert _parsed(VALID).declares("page_view")


def test_a_rule_on_an_undeclared_kind_is_refused_naming_its_path():
    doc = _document(activities=[])
    assert "neither a built-in activity nor declared" in _errors(doc)["engagement.rules[2].activity"]


def test_a_fast_track_on_an_undeclared_kind_is_refused_naming_its_path():
    doc = _document()
    doc["sales_ready"]["fast_track"].append({"activity": "g2_comparison_viewed", "tier": "hot"})
    assert "g2_comparison_viewed" in _errors(doc)["sales_ready.fast_track[1].activity"]


def test_a_custom_kind_may_not_redeclare_a_built_in_one():
    assert "built-in" in _errors(_document(activities=[{"name": "page_view", "description": "x"}]))[
        "activities[0].name"]


def test_a_custom_kind_declared_twice_is_refused():
    assert "duplicate kind" in _errors(_document(activities=[WEBINAR, WEBINAR]))["activities[1].name"]


def test_a_custom_kind_needs_a_description():
    assert "activities[0].description" in _errors(_document(activities=[{"name": "webinar_registered"}]))


def test_a_custom_kind_matcher_may_only_name_touch_fields():
    kind = {**WEBINAR, "when": [{"field": "title", "equals": "x"}]}
    assert "activities[0].when[0].field" in _errors(_document(activities=[kind]))


def test_a_touch_of_a_declared_custom_kind_scores_its_points():
    result = engagement(_parsed(_document()), [_touch("e1", "webinar_registered")], T0)
    assert result.points == 12 and not result.mismatches


def test_a_touch_of_an_undeclared_kind_scores_nothing_and_is_named_in_the_mismatches():
    result = engagement(_parsed(_document()), [_touch("e1", "chat_started"), _touch("e2", "chat_started", 1)], T0
                        + timedelta(hours=2))
    assert (result.points, result.touches, result.mismatches) == (0, 2, (undeclared("chat_started"),))


def test_a_custom_kind_with_conditions_counts_only_the_touches_that_meet_them():
    kind = {**WEBINAR, "when": [{"field": "campaign", "regex": "^webinar-"}]}
    doc = _parsed(_document(activities=[kind]))
    touches = [_touch("e1", "webinar_registered", campaign="webinar-q4"), _touch("e2", "webinar_registered", 1,
                                                                                 campaign="newsletter")]
    at = T0 + timedelta(hours=2)
    assert engagement(doc, touches, at).points == engagement(doc, touches[:1], at).points > 0


def test_a_custom_kind_may_fast_track_a_lead():
    raw = _document()
    raw["sales_ready"]["fast_track"].append({"activity": "webinar_registered", "tier": "warm"})
    result = evaluate(_parsed(raw), PROFILE, [_touch("e1", "webinar_registered")], T0)
    assert (result.tier, result.reason) == ("warm", "fast_track:webinar_registered")


def test_the_engine_scores_custom_and_undeclared_kinds_as_the_replay_does():
    doc = _parsed(_document())
    touches = [_touch("e1", "webinar_registered"), _touch("e2", "chat_started", 1), _touch("e3", "page_view", 2)]
    fitted = fit(doc, PROFILE)
    at = T0 + timedelta(hours=3)
    assert evaluate_state(doc, build(doc, 1, touches), fitted, at) == evaluate(doc, PROFILE, touches, at, 0, fitted)


def test_an_event_of_any_kind_name_is_taken_and_a_malformed_name_is_refused():
    fields = {"source": "api", "email": "ada@acme.com", "occurred_at": T0.isoformat()}
    assert EngagementRecorded.model_validate({**fields, "activity": "g2_comparison_viewed"}).activity
    with pytest.raises(ValueError, match="activity"):
        EngagementRecorded.model_validate({**fields, "activity": "Webinar Registered!"})
