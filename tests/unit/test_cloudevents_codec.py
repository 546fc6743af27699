import orjson
import pytest

from schemas.messages import TOPIC_ADAPTERS, EngagementEvent
from schemas.topics import Topic
from services.shared.cloudevents import UndecodableRecord, decode, encode

ADAPTER = TOPIC_ADAPTERS[Topic.ENGAGEMENT]
DATA = {"source": "api", "activity": "page_view", "occurred_at": "2026-03-01T10:00:00Z",
        "email": "a@example.com"}


def _event() -> EngagementEvent:
    return EngagementEvent(id="e-1", source="tests", data=DATA)


def test_structured_mode_round_trips():
    assert decode(ADAPTER, encode(_event())) == _event()


def test_encoding_leaves_out_empty_attributes():
    assert "subject" not in orjson.loads(encode(_event()))


def test_binary_mode_reads_ce_headers():
    headers = [("ce_specversion", b"1.0"), ("ce_id", b"e-1"), ("ce_source", b"tests"),
               ("ce_type", b"handoff.engagement.recorded"), ("content-type", b"application/json")]
    assert decode(ADAPTER, orjson.dumps(DATA), headers) == _event()


def test_a_record_that_is_not_json_is_undecodable():
    with pytest.raises(UndecodableRecord, match="not JSON"):
        decode(ADAPTER, b"\x00garbage")


def test_an_event_of_another_type_is_undecodable_on_this_topic():
    raw = orjson.loads(encode(_event()))
    raw["type"] = "handoff.lead.routed"
    with pytest.raises(UndecodableRecord, match="type"):
        decode(ADAPTER, orjson.dumps(raw))
