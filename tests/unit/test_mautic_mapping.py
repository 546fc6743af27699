"""Mautic webhook bodies (several event types in one request) as engagement events."""

from datetime import UTC, datetime

import pytest

from schemas.events import ActivityKind as A
from services.scorer.integrations.common import EmptyBatch, MalformedBody
from services.scorer.integrations.mappings import MauticMappings, parse_mappings
from services.scorer.integrations.mautic import map_mautic
from tests.support.webhooks import MAUTIC_EMAIL, fixture

ARRIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DEFAULTS = MauticMappings()


def _map(body, mappings=DEFAULTS):
    return map_mautic(body, mappings, ARRIVED)


def test_every_mapped_item_of_every_event_type_becomes_one_event():
    events = _map(fixture("mautic")).events
    assert [e.data.activity for e in events] == [A.PROFILE_UPDATED, A.FORM_SUBMIT, A.PAGE_VIEW, A.EMAIL_OPEN,
                                                 A.PROFILE_UPDATED]
    assert {e.data.lead_key for e in events} == {MAUTIC_EMAIL}
    assert {(e.source, e.data.source, e.data.external_id) for e in events} == {("mautic", "mautic", "90417")}


def test_an_unmapped_event_type_is_skipped_naming_where_it_was():
    skipped = _map(fixture("mautic")).skipped
    assert [(s.item, s.reason) for s in skipped] == [
        ("mautic.email_on_send[0]", "event type 'mautic.email_on_send' is not mapped")]


def test_a_null_activity_in_the_mappings_ignores_that_event_type():
    mappings = parse_mappings("mautic: {events: {mautic.form_on_submit: null}}").mautic
    mapped = _map(fixture("mautic"), mappings)
    assert A.FORM_SUBMIT not in {e.data.activity for e in mapped.events}
    assert "mautic.form_on_submit[0]" in {s.item for s in mapped.skipped}


def test_contact_fields_become_attributes_with_numbers_read_as_numbers():
    attributes = _map(fixture("mautic")).events[0].data.attributes
    assert attributes == {"company": "Acme Analytics GmbH", "title": "VP Sales", "country": "Germany",
                          "website": "https://acme-analytics.example", "industry": "software", "employees": 200}


def test_the_event_id_is_the_items_own_id_and_timestamp_so_a_redelivery_repeats_it():
    first, again = _map(fixture("mautic")).events, _map(fixture("mautic")).events
    assert first[1].id == "mautic.form_on_submit:311:2026-03-02T09:15:10+00:00"
    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == len(first)


def test_a_contact_saved_again_later_is_another_event():
    body = {"mautic.lead_post_save_update": [
        {"contact": {"id": 7, "fields": {"core": {"email": {"value": "x@acme.example"}}}}, "timestamp": t}
        for t in ("2026-03-02T09:00:00+00:00", "2026-03-02T09:05:00+00:00")]}
    assert len({e.id for e in _map(body).events}) == 2


def test_a_form_submission_carries_the_form_name_the_page_and_the_submission_time():
    form = _map(fixture("mautic")).events[1].data
    assert (form.form, form.url) == ("Contact us", "https://www.handoff.example/contact")
    assert form.occurred_at == datetime(2026, 3, 2, 9, 15, 10, tzinfo=UTC)


def test_a_page_hit_carries_its_url_and_utm_campaign():
    hit = _map(fixture("mautic")).events[2].data
    assert (hit.url, hit.campaign) == ("https://www.handoff.example/pricing", "spring-launch")


def test_an_anonymous_visitor_is_keyed_by_its_mautic_id():
    body = {"mautic.page_on_hit": [{"hit": {"id": 1, "url": "https://x.example/", "lead": {"id": 55, "fields": []}},
                                    "timestamp": "2026-03-02T09:00:00+00:00"}]}
    assert _map(body).events[0].data.lead_key == "mautic:55"


def test_the_flat_fields_all_shape_is_read_too():
    body = {"mautic.lead_post_save_new": [{"lead": {"id": 8, "fields": {"all": {
        "email": "Flat@Acme.example", "employees": "1,200", "position": "CTO"}}},
        "timestamp": "2026-03-02T09:00:00Z"}]}
    data = _map(body).events[0].data
    assert (data.lead_key, data.attributes) == ("flat@acme.example", {"employees": 1200, "title": "CTO"})


def test_an_item_without_a_timestamp_gets_a_content_id_and_the_arrival_time():
    item = {"contact": {"id": 9, "fields": {"core": {"email": {"value": "t@acme.example"}}}}}
    first, second = _map({"mautic.lead_post_save_update": [item]}), _map({"mautic.lead_post_save_update": [item]})
    assert first.events[0].id == second.events[0].id
    assert first.events[0].data.occurred_at == ARRIVED


def test_a_malformed_email_leaves_the_event_keyed_by_the_contact_id():
    contact = {"id": 10, "fields": {"core": {"email": {"value": "not-an-email"}}}}
    body = {"mautic.lead_post_save_new": [{"contact": contact, "timestamp": "2026-03-02T09:00:00Z"}]}
    assert _map(body).events[0].data.lead_key == "mautic:10"


def test_an_item_without_email_or_contact_is_skipped_with_the_reason():
    skipped = _map({"mautic.page_on_hit": [{"hit": {"id": 3}, "timestamp": "2026-03-02T09:00:00Z"}]}).skipped
    assert skipped[0].item == "mautic.page_on_hit[0]" and "email or external_id" in skipped[0].reason


def test_a_body_that_is_not_an_object_is_malformed():
    with pytest.raises(MalformedBody):
        _map([{"contact": {}}])


@pytest.mark.parametrize("body", [{}, {"mautic.form_on_submit": []}])
def test_a_body_without_items_is_an_empty_batch(body):
    with pytest.raises(EmptyBatch):
        _map(body)
