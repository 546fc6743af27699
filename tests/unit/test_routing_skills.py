"""Skills and languages: required needs narrow the candidates, optional ones are relaxed after their wait."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.router.routing.domain.availability import RepState
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import LeadFacts, Pool, decide
from services.router.routing.domain.rules import RoutingRule, RuleSet
from services.router.routing.domain.skills import SkillNeed, resolve

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
GERMAN = {"kind": "language", "from_field": "language", "min_level": 3}
PRODUCT = {"kind": "skill", "from_field": "campaign"}


def _rules(*needs):
    return RuleSet(rules=(RoutingRule(id="inbound", target_pool="inbound", skills=needs),))


def _pool(*reps, skills=()):
    return {"inbound": Pool("inbound", members=tuple(MemberState(r) for r in reps), skills=skills)}


REPS = {
    "rep-a": RepState("rep-a", languages={"en": 5}, skills={"widgets": 2}),
    "rep-b": RepState("rep-b", languages={"de": 4, "en": 3}),
    "rep-c": RepState("rep-c", languages={"de": 2}, skills={"widgets": 1}),
}


def _lead(waited_minutes=0, **attributes):
    return LeadFacts("lead@x.example", attributes=attributes, campaign=attributes.pop("campaign", None),
                     qualified_at=AT - timedelta(minutes=waited_minutes))


def test_a_required_language_from_the_leads_attributes_narrows_the_candidates():
    decision = decide(_lead(language="DE"), _rules(GERMAN), [], _pool("rep-a", "rep-b", "rep-c"), REPS, AT)
    assert decision.rep_id == "rep-b"
    assert [(c.rep_id, c.skipped) for c in decision.considered] == [("rep-a", "missing_skill"), ("rep-b", None)]
    assert decision.skills == {"required": ["language:de>=3"], "optional": [], "relaxed": []}


def test_a_required_product_skill_comes_from_the_campaign():
    decision = decide(_lead(campaign="Widgets"), _rules(PRODUCT), [], _pool("rep-b", "rep-c"), REPS, AT)
    assert decision.rep_id == "rep-c"


def test_a_need_whose_lead_field_is_empty_does_not_apply():
    decision = decide(_lead(), _rules(GERMAN), [], _pool("rep-a"), REPS, AT)
    assert decision.rep_id == "rep-a" and decision.skills is None


def test_the_pools_own_needs_add_to_the_rules():
    pool = _pool("rep-a", "rep-b", "rep-c", skills=(SkillNeed(skill="widgets"),))
    decision = decide(_lead(language="de"), _rules(GERMAN), [], pool, REPS, AT)
    assert decision.rep_id is None  # nobody speaks German at level 3 and knows widgets
    assert decision.overflow_reason == "every candidate was skipped"


def test_an_optional_need_is_preferred_while_someone_available_meets_it():
    optional = {**GERMAN, "optional": True, "relax_after_minutes": 10}
    decision = decide(_lead(language="de"), _rules(optional), [], _pool("rep-a", "rep-b"), REPS, AT)
    assert decision.rep_id == "rep-b"
    assert decision.considered[0].skipped == "missing_optional_skill"


def test_while_its_wait_runs_an_unmet_optional_need_keeps_the_lead_waiting_until_it_ends():
    optional = {**GERMAN, "optional": True, "relax_after_minutes": 10}
    reps = {**REPS, "rep-b": RepState("rep-b", active=False, languages={"de": 4})}
    decision = decide(_lead(4, language="de"), _rules(optional), [], _pool("rep-a", "rep-b"), reps, AT)
    assert decision.rep_id is None and decision.retry_at == AT + timedelta(minutes=6)
    assert decision.overflow_reason.startswith("waiting for a rep with the optional skills until")


def test_after_its_wait_an_unmet_optional_need_is_relaxed_and_the_decision_says_why():
    optional = {**GERMAN, "optional": True, "relax_after_minutes": 10}
    reps = {**REPS, "rep-b": RepState("rep-b", active=False, languages={"de": 4})}
    decision = decide(_lead(10, language="de"), _rules(optional), [], _pool("rep-a", "rep-b"), reps, AT)
    assert decision.rep_id == "rep-a" and decision.retry_at is None
    (relaxed,) = decision.skills["relaxed"]
    assert relaxed["need"] == "language:de>=3" and "no available rep has language:de>=3" in relaxed["why"]
    assert decision.explain()["skills"]["relaxed"] == [relaxed]


def test_an_optional_need_without_a_wait_is_relaxed_at_once():
    optional = {**GERMAN, "optional": True}
    decision = decide(_lead(language="fi"), _rules(optional), [], _pool("rep-a"), REPS, AT)
    assert decision.rep_id == "rep-a" and len(decision.skills["relaxed"]) == 1


def test_a_required_need_is_never_relaxed():
    decision = decide(_lead(600, language="fi"), _rules(GERMAN), [], _pool("rep-a", "rep-b"), REPS, AT)
    assert decision.rep_id is None and decision.retry_at is None


@pytest.mark.parametrize("need", [{"kind": "skill"}, {"skill": "x", "from_field": "y"},
                                  {"skill": "x", "relax_after_minutes": 5}, {"skill": "x", "min_level": 6}])
def test_a_malformed_need_is_refused(need):
    with pytest.raises(ValidationError):
        SkillNeed.model_validate(need)


def test_skills_need_a_target_pool():
    with pytest.raises(ValidationError, match="target_pool"):
        RoutingRule(id="one", target_rep="rep-a", skills=(SkillNeed(skill="x"),))


def test_resolving_lower_cases_the_leads_value():
    (resolved,) = resolve([SkillNeed.model_validate(GERMAN)], {"language": " DE "})
    assert resolved.skill == "de" and resolved.label == "language:de>=3"
