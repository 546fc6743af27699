"""Event and field mappings are configuration: documented defaults, a file to replace them, clear errors."""

import pytest

from schemas.events import ActivityKind
from services.scorer.bootstrap import create_app
from services.scorer.config import ScorerSettings
from services.scorer.integrations.mappings import Mappings, MappingsInvalid, load_mappings, parse_mappings
from tests.support.stack import ROOT

SHIPPED = ROOT / "deploy" / "integrations" / "mappings.yaml"


def test_the_shipped_file_lists_exactly_the_built_in_defaults():
    assert load_mappings(SHIPPED) == Mappings()


def test_without_a_file_the_defaults_apply():
    assert load_mappings(None) == Mappings()


def test_a_map_that_is_written_replaces_that_maps_defaults():
    mappings = parse_mappings("segment:\n  events:\n    Quote Requested: demo_request\n")
    assert mappings.segment.events == {"quote requested": ActivityKind.DEMO_REQUEST}


def test_maps_that_are_left_out_keep_their_defaults():
    mappings = parse_mappings("segment:\n  events: {}\n")
    assert mappings.segment.traits == Mappings().segment.traits
    assert mappings.mautic == Mappings().mautic


def test_a_field_may_name_just_its_attribute_or_its_attribute_and_type():
    mappings = parse_mappings("hubspot:\n  properties:\n    hs_seats: seats\n"
                              "    annualrevenue: {attribute: revenue, type: number}\n")
    assert mappings.hubspot.properties["hs_seats"].attribute == "seats"
    assert mappings.hubspot.properties["annualrevenue"].type == "number"


def test_track_event_names_are_kept_normalized():
    assert "demo requested" in parse_mappings("segment: {events: {Demo_Requested: demo_request}}").segment.events


def test_an_activity_that_is_not_a_kind_name_is_refused_naming_its_path():
    with pytest.raises(MappingsInvalid, match=r"mautic\.events\.mautic\.page_on_hit"):
        parse_mappings("mautic: {events: {mautic.page_on_hit: Tele Port}}")


def test_a_tool_event_may_map_to_a_custom_kind_the_agreement_declares():
    mappings = parse_mappings("segment: {events: {Webinar Registered: webinar_registered}}")
    assert mappings.segment.events["webinar registered"] == "webinar_registered"


def test_an_unknown_key_is_refused_rather_than_silently_ignored():
    with pytest.raises(MappingsInvalid, match="hubspot.propertys"):
        parse_mappings("hubspot: {propertys: {company: company}}")


def test_a_file_that_is_not_yaml_is_refused_naming_the_file():
    with pytest.raises(MappingsInvalid, match="mine.yaml: not YAML"):
        parse_mappings("mautic: [", "mine.yaml")


def test_the_scorer_does_not_start_with_a_mappings_file_that_does_not_validate(tmp_path):
    bad = tmp_path / "mappings.yaml"
    bad.write_text("segment: {calls: {track: demo_request}, events: {Demo Requested: Demo!}}\n")
    with pytest.raises(MappingsInvalid, match=r"segment\.events\.Demo Requested: String should match"):
        create_app(ScorerSettings(integration_mappings=bad))
