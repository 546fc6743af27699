import copy
import json
from pathlib import Path

import pytest

from services.agreement.document import AgreementDocument
from services.agreement.text import AgreementInvalid, diff_agreements, dump_agreement, parse_agreement

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml"

VALID = {
    "name": "test",
    "fit": {
        "rules": [{"id": "mid_market", "when": [{"field": "employees", "range": {"gte": 50}}], "points": 20}],
        "disqualifiers": [{"id": "student", "when": [{"field": "title", "regex": "(?i)student"}],
                           "reason": "student"}],
    },
    "engagement": {
        "rules": [
            {"id": "pricing", "activity": "page_view", "when": [{"field": "url", "regex": "/pricing"}],
             "points": 10},
            {"id": "page_view", "activity": "page_view", "points": 1, "cap": {"points": 5, "window_days": 7}},
        ],
        "half_life_days": 30,
    },
    "sales_ready": {
        "tiers": [{"name": "hot", "min_fit": 50, "min_engagement": 40},
                  {"name": "warm", "min_fit": 30, "min_engagement": 20}],
        "fast_track": [{"activity": "demo_request", "tier": "hot"}],
    },
    "sla": {"tiers": [{"name": "hot", "first_touch_minutes": 30, "accept_minutes": 240, "warn_at": [0.5, 0.8]},
                      {"name": "warm", "first_touch_minutes": 240, "accept_minutes": 960}]},
    "commitments": {"sales_ready_per_week": 50, "min_acceptance_rate": 0.6},
    "rejection_reasons": ["no budget"],
}


def _doc() -> dict:
    return copy.deepcopy(VALID)


def _errors(document: dict) -> dict[str, str]:
    with pytest.raises(AgreementInvalid) as caught:
        parse_agreement(json.dumps(document), "json")
    return dict(caught.value.errors)


def test_the_example_agreement_validates():
    document = parse_agreement(EXAMPLE.read_text(), "yaml")
    assert [t.name for t in document.sla.tiers] == ["hot", "warm", "key"]


def test_a_valid_document_parses_from_json():
    assert parse_agreement(json.dumps(VALID), "json").engagement.rules[1].cap.points == 5


def test_a_bad_points_value_is_named_by_its_path():
    doc = _doc()
    doc["engagement"]["rules"][1]["points"] = "lots"
    assert "engagement.rules[1].points" in _errors(doc)


def test_an_unknown_field_is_refused_with_its_path():
    doc = _doc()
    doc["fit"]["rules"][0]["max-points"] = 5
    assert _errors(doc)["fit.rules[0].max-points"] == "unknown field"


def test_a_regex_the_linear_engine_cannot_run_in_a_fit_rule_is_refused_with_its_path():
    doc = _doc()
    doc["fit"]["rules"][0]["when"] = [{"field": "title", "regex": r"(a+)\1"}]
    assert "RE2" in _errors(doc)["fit.rules[0].when[0].regex"]


def test_an_invalid_regex_in_an_engagement_matcher_is_refused_with_its_path():
    doc = _doc()
    doc["engagement"]["rules"][0]["when"][0]["regex"] = "(unclosed"
    assert "invalid regex" in _errors(doc)["engagement.rules[0].when[0].regex"]


def test_an_engagement_matcher_may_only_name_touch_fields():
    doc = _doc()
    doc["engagement"]["rules"][0]["when"][0]["field"] = "title"
    assert "engagement.rules[0].when[0].field" in _errors(doc)


def test_a_value_of_several_wrong_types_is_reported_once_at_its_path():
    doc = _doc()
    doc["fit"]["rules"][0]["when"] = [{"field": "country", "equals": ["DE"]}]
    errors = _errors(doc)
    assert list(errors) == ["fit.rules[0].when[0].equals"]


def test_a_sales_ready_tier_missing_from_sla_tiers_is_refused():
    doc = _doc()
    doc["sales_ready"]["tiers"][1]["name"] = "lukewarm"
    assert "not one of sla.tiers" in _errors(doc)["sales_ready.tiers[1].name"]


def test_a_fast_track_tier_missing_from_sla_tiers_is_refused():
    doc = _doc()
    doc["sales_ready"]["fast_track"][0]["tier"] = "urgent"
    assert "sales_ready.fast_track[0].tier" in _errors(doc)


def test_duplicate_rule_ids_are_refused_at_the_second_one():
    doc = _doc()
    doc["engagement"]["rules"][1]["id"] = "pricing"
    assert "duplicate" in _errors(doc)["engagement.rules[1].id"]


def test_sales_ready_needs_tiers_or_a_fast_track():
    doc = _doc()
    doc["sales_ready"] = {"tiers": [], "fast_track": []}
    assert "sales_ready" in _errors(doc)


@pytest.mark.parametrize("warn_at", [[0.8, 0.5], [0.5, 1.0], [0.0]])
def test_warning_points_must_increase_strictly_between_zero_and_one(warn_at):
    doc = _doc()
    doc["sla"]["tiers"][0]["warn_at"] = warn_at
    assert "sla.tiers[0].warn_at" in _errors(doc)


def test_an_unknown_time_zone_is_refused():
    doc = _doc()
    doc["sla"]["calendar"] = {"time_zone": "Mars/Olympus"}
    assert "sla.calendar.time_zone" in _errors(doc)


def test_business_hours_must_end_after_they_start():
    doc = _doc()
    doc["sla"]["calendar"] = {"start": "18:00", "end": "09:00"}
    assert "sla.calendar.end" in _errors(doc)


def test_an_unquoted_yaml_time_is_refused_rather_than_misread():
    text = EXAMPLE.read_text().replace('end: "17:30"', "end: 17:30")  # YAML 1.1 reads 17:30 as 1050
    with pytest.raises(AgreementInvalid) as caught:
        parse_agreement(text, "yaml")
    assert "quote" in dict(caught.value.errors)["sla.calendar.end"]


def test_a_rejection_reason_list_must_not_be_empty():
    doc = _doc()
    doc["rejection_reasons"] = []
    assert "rejection_reasons" in _errors(doc)


def test_a_yaml_syntax_error_is_reported_for_the_whole_document():
    with pytest.raises(AgreementInvalid) as caught:
        parse_agreement("name: [unclosed\nfit: {", "yaml")
    [(path, message)] = caught.value.errors
    assert path == "(document)" and "YAML syntax error" in message


def test_a_json_syntax_error_is_reported_for_the_whole_document():
    with pytest.raises(AgreementInvalid) as caught:
        parse_agreement(b'{"name": ', "json")
    assert caught.value.errors[0][0] == "(document)"


def test_yaml_python_tags_are_never_executed():
    with pytest.raises(AgreementInvalid, match="syntax error"):
        parse_agreement("name: !!python/object/apply:os.system ['true']", "yaml")


def test_yaml_aliases_are_refused():
    with pytest.raises(AgreementInvalid, match="aliases"):
        parse_agreement("a: &x [1, 2]\nb: [*x, *x]\n", "yaml")


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(AgreementInvalid, match="mapping"):
        parse_agreement("- just\n- a list\n", "yaml")


def test_a_dumped_document_reads_back_as_the_same_document():
    document = parse_agreement(EXAMPLE.read_text(), "yaml")
    assert AgreementDocument.model_validate(json.loads(json.dumps(dump_agreement(document)))) == document


def test_the_diff_names_changed_added_and_removed_paths():
    before = dump_agreement(parse_agreement(json.dumps(VALID), "json"))
    after = copy.deepcopy(before)
    after["engagement"]["rules"][1]["points"] = 2.0
    after["engagement"]["rules"].append({"id": "webinar", "activity": "webinar_attended", "points": 15.0})
    del after["sla"]["tiers"][1]
    assert diff_agreements(before, after) == [
        {"path": "engagement.rules[1].points", "before": 1.0, "after": 2.0},
        {"path": "engagement.rules[2]", "before": None,
         "after": {"id": "webinar", "activity": "webinar_attended", "points": 15.0}},
        {"path": "sla.tiers[1]", "before": before["sla"]["tiers"][1], "after": None},
    ]


def test_the_diff_against_nothing_lists_every_section_as_added():
    after = dump_agreement(parse_agreement(json.dumps(VALID), "json"))
    assert [c["path"] for c in diff_agreements({}, after)] == list(after)


def test_a_document_without_a_recycle_section_gets_the_defaults():
    recycle = parse_agreement(json.dumps(VALID), "json").recycle
    assert (recycle.reset_engagement, recycle.requalify_after_days) == (True, 0)


def test_a_recycle_section_is_read():
    recycle = parse_agreement(json.dumps(_doc() | {"recycle": {"reset_engagement": False,
                                                               "requalify_after_days": 14}}), "json").recycle
    assert (recycle.reset_engagement, recycle.requalify_after_days) == (False, 14)


@pytest.mark.parametrize("days", [-1, 366, 1.5, "soon"])
def test_a_cooldown_outside_zero_to_365_whole_days_is_refused(days):
    assert "recycle.requalify_after_days" in _errors(_doc() | {"recycle": {"requalify_after_days": days}})


def test_an_unknown_recycle_field_is_refused_with_its_path():
    assert _errors(_doc() | {"recycle": {"reset_scores": True}}) == {"recycle.reset_scores": "unknown field"}


def test_the_commented_recycle_block_of_the_example_validates_when_uncommented():
    text = EXAMPLE.read_text()
    block = text[text.index("# recycle:"):]
    uncommented = text.replace(block, "\n".join(line.removeprefix("# ") for line in block.splitlines()))
    recycle = parse_agreement(uncommented, "yaml").recycle
    assert (recycle.reset_engagement, recycle.requalify_after_days) == (True, 14)


def test_a_dumped_recycle_section_reads_back():
    document = parse_agreement(json.dumps(_doc() | {"recycle": {"requalify_after_days": 30}}), "json")
    assert AgreementDocument.model_validate(json.loads(json.dumps(dump_agreement(document)))) == document


def test_the_diff_names_a_changed_cooldown():
    before = dump_agreement(parse_agreement(json.dumps(VALID), "json"))
    after = copy.deepcopy(before)
    after["recycle"]["requalify_after_days"] = 14
    assert diff_agreements(before, after) == [{"path": "recycle.requalify_after_days", "before": 0, "after": 14}]
