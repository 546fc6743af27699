"""Segment spec calls (identify, group, page, track; one or a batch) as engagement events."""

from datetime import UTC, datetime

import pytest

from schemas.events import ActivityKind as A
from services.scorer.integrations.common import EmptyBatch, MalformedBody
from services.scorer.integrations.mappings import SegmentMappings
from services.scorer.integrations.segment import map_segment
from tests.support.webhooks import SEGMENT_EMAIL, fixture

ARRIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _map(body):
    return map_segment(body, SegmentMappings(), ARRIVED)


def _track(event="Demo Requested", **fields):
    return {"type": "track", "event": event, "userId": "u1", "messageId": "m1",
            "timestamp": "2026-03-02T09:00:00Z", **fields}


def test_a_batch_of_identify_group_page_and_track_maps_each_call():
    mapped = _map(fixture("segment"))
    assert [e.data.activity for e in mapped.events] == [A.PROFILE_UPDATED, A.PROFILE_UPDATED, A.PAGE_VIEW,
                                                        A.DEMO_REQUEST]
    assert [e.id for e in mapped.events][-1] == "node-1f4a0c7e-track"
    assert [(s.item, s.reason) for s in mapped.skipped] == [("batch[4]", "track event 'Report Exported' is not mapped")]


def test_the_email_an_identify_gave_names_the_users_other_calls():
    assert {e.data.lead_key for e in _map(fixture("segment")).events} == {SEGMENT_EMAIL}


def test_identify_traits_describe_the_lead():
    identify = _map(fixture("segment")).events[0].data
    assert identify.attributes == {"company": "Orbital Systems", "title": "Director of Sales", "industry": "saas",
                                   "employees": 420}


def test_group_traits_describe_the_leads_company():
    group = _map(fixture("segment")).events[1].data
    assert group.attributes == {"company": "Orbital Systems", "employees": 420, "industry": "saas",
                                "website": "https://orbital-systems.example"}


def test_a_track_call_carries_its_page_form_and_campaign():
    track = _map(fixture("segment")).events[3].data
    assert (track.url, track.form, track.campaign) == ("https://www.handoff.example/demo", "Book a demo",
                                                       "q1-outbound")


@pytest.mark.parametrize("name", ["Demo Requested", "demo_requested", "DEMO-REQUESTED "])
def test_track_event_names_match_ignoring_case_and_separators(name):
    assert _map(_track(name)).events[0].data.activity == A.DEMO_REQUEST


def test_a_single_call_is_accepted_without_a_batch():
    assert _map(_track()).events[0].data.lead_key == "segment:u1"


def test_a_bare_array_of_calls_is_accepted():
    assert len(_map([_track(), _track(messageId="m2")]).events) == 2


def test_an_anonymous_call_is_keyed_by_the_anonymous_id():
    assert _map(_track(userId=None, anonymousId="anon-1")).events[0].data.lead_key == "segment:anon-1"


def test_an_email_in_context_traits_keys_the_call():
    call = _track(context={"traits": {"email": "Ops@Acme.example", "title": "VP Ops"}})
    data = _map(call).events[0].data
    assert (data.lead_key, data.attributes) == ("ops@acme.example", {"title": "VP Ops"})


def test_a_call_without_a_message_id_gets_a_stable_content_id():
    call = _track(messageId=None)
    assert _map(call).events[0].id == _map(dict(call)).events[0].id


def test_a_call_without_any_identity_is_skipped_with_the_reason():
    skipped = _map(_track(userId=None)).skipped
    assert skipped[0].item == "call" and "email or external_id" in skipped[0].reason


def test_an_unmapped_call_type_is_skipped():
    assert _map({"type": "screen", "userId": "u1", "name": "Home"}).skipped[0].reason == \
        "call type 'screen' is not mapped"


def test_a_batch_that_is_not_an_array_is_malformed():
    with pytest.raises(MalformedBody):
        _map({"batch": {"type": "track"}})


def test_an_empty_batch_is_an_empty_batch():
    with pytest.raises(EmptyBatch):
        _map({"batch": []})
