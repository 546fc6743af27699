"""HubSpot webhook batches (contact creation and property changes) as engagement events."""

from datetime import UTC, datetime

import pytest

from schemas.events import ActivityKind as A
from services.scorer.integrations.common import EmptyBatch, MalformedBody
from services.scorer.integrations.hubspot import map_hubspot
from services.scorer.integrations.mappings import HubSpotMappings
from tests.support.webhooks import HUBSPOT_EMAIL, fixture

ARRIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _map(body):
    return map_hubspot(body, HubSpotMappings(), ARRIVED)


def _event(**fields):
    return {"eventId": 1, "subscriptionId": 2, "portalId": 3, "occurredAt": 1772442900000,
            "subscriptionType": "contact.creation", "objectId": 42, **fields}


def test_a_mixed_batch_maps_its_contact_events_and_skips_the_rest():
    mapped = _map(fixture("hubspot"))
    assert len(mapped.events) == 8
    assert {e.data.activity for e in mapped.events} == {A.PROFILE_UPDATED}
    assert [(s.item, s.reason) for s in mapped.skipped] == [
        ("[7]", "property 'hs_analytics_num_page_views' is not mapped"),
        ("[9]", "subscription type 'deal.creation' is not mapped")]


def test_an_email_set_in_the_request_names_the_objects_other_events():
    events = [e for e in _map(fixture("hubspot")).events if e.data.external_id == "5101"]
    assert {e.data.lead_key for e in events} == {HUBSPOT_EMAIL}


def test_without_an_email_the_lead_key_is_hubspot_and_the_object_id():
    assert _map([_event()]).events[0].data.lead_key == "hubspot:42"


def test_property_changes_enrich_the_lead_under_the_mapped_attribute_names():
    attributes = {}
    for e in _map(fixture("hubspot")).events:
        attributes |= e.data.attributes
    assert attributes == {"company": "Northwind Labs", "title": "Head of Revenue Operations", "employees": 250,
                          "country": "US", "lifecycle_stage": "marketingqualifiedlead"}


def test_the_event_id_is_event_subscription_and_object():
    assert _map([_event(eventId=7, subscriptionId=8, objectId=9)]).events[0].id == "7-8-9"


def test_occurred_at_is_read_from_epoch_milliseconds():
    assert _map([_event()]).events[0].data.occurred_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def test_generic_object_events_on_contacts_read_as_contact_events():
    event = _event(subscriptionType="object.propertyChange", objectTypeId="0-1", propertyName="jobtitle",
                   propertyValue="CFO")
    assert _map([event]).events[0].data.attributes == {"title": "CFO"}


def test_a_cleared_property_does_not_erase_what_is_known():
    event = _event(subscriptionType="contact.propertyChange", propertyName="company", propertyValue="")
    assert _map([event]).events[0].data.attributes == {}


def test_an_event_without_an_object_id_is_skipped_with_the_reason():
    event = _event()
    del event["objectId"]
    skipped = _map([event]).skipped
    assert skipped[0].item == "[0]" and "objectId" in skipped[0].reason


def test_a_body_that_is_not_an_array_is_malformed():
    with pytest.raises(MalformedBody):
        _map(_event())


def test_an_empty_array_is_an_empty_batch():
    with pytest.raises(EmptyBatch):
        _map([])
