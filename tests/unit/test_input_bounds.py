"""What the event models accept is what can be stored: schemas/bounds.py, through the models that use it."""

import copy
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.bounds import MAX_DEPTH, arrival_context
from schemas.messages import CrmActivityEvent, EngagementEvent
from services.scorer.integrations.common import Mapped
from services.shared.windows import parse_since
from tests.support.events import engagement, unique_email

ADAPTER = TypeAdapter(EngagementEvent)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _fields(event: dict, context: dict | None = None) -> list[str]:
    """The paths of every error validating `event` (empty when it is accepted)."""
    try:
        ADAPTER.validate_python(event, context=context)
    except ValidationError as exc:
        return [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
    return []


def _event(**data) -> dict:
    event = engagement(unique_email())
    event["data"].update(data)
    return event


def _nested(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = {"x": value}
    return value


def test_a_valid_event_is_accepted():
    assert _fields(_event()) == []


@pytest.mark.parametrize("field", ["source", "external_id", "url", "form", "campaign"])
def test_a_nul_character_in_a_text_field_is_refused_naming_it(field):
    assert _fields(_event(**{field: "a\x00b"})) == [f"data.{field}"]


def test_a_nul_character_in_an_envelope_field_is_refused_naming_it():
    event = _event()
    event["subject"] = "lead\x00"
    assert _fields(event) == ["subject"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_number_in_the_attributes_is_refused(value):
    assert _fields(_event(attributes={"employees": value})) == ["data.attributes"]


def test_an_integer_beyond_64_bits_in_the_attributes_is_refused():
    assert _fields(_event(attributes={"employees": 2**64})) == ["data.attributes"]


def test_a_nul_character_in_an_attribute_key_or_value_is_refused():
    assert _fields(_event(attributes={"company\x00": "x"})) == ["data.attributes"]
    assert _fields(_event(attributes={"company": ["ok", "a\x00"]})) == ["data.attributes"]


def test_attributes_nested_to_the_limit_are_accepted_and_one_deeper_refused():
    assert _fields(_event(attributes=_nested(MAX_DEPTH))) == []
    assert _fields(_event(attributes=_nested(MAX_DEPTH + 1))) == ["data.attributes"]


def test_attributes_with_too_many_values_are_refused():
    assert _fields(_event(attributes={f"k{i}": i for i in range(5000)})) == ["data.attributes"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "1899-12-31T23:59:59Z"])
def test_a_time_postgresql_and_python_cannot_both_hold_is_refused(when):
    assert _fields(_event(occurred_at=when)) == ["data.occurred_at"]


def test_an_occurrence_beyond_the_clock_skew_is_refused_when_the_arrival_is_known():
    context = arrival_context(NOW, timedelta(minutes=5))
    assert _fields(_event(occurred_at=(NOW + timedelta(minutes=6)).isoformat()), context) == ["data.occurred_at"]
    assert _fields(_event(occurred_at=(NOW + timedelta(minutes=4)).isoformat()), context) == []


def test_an_event_dated_9999_is_refused_on_arrival():
    context = arrival_context(NOW, timedelta(minutes=5))
    assert _fields(_event(occurred_at="9999-01-01T00:00:00Z"), context) == ["data.occurred_at"]


def test_the_envelope_time_is_bounded_like_the_occurrence():
    event = _event(occurred_at=NOW.isoformat())
    event["time"] = "9999-01-01T00:00:00Z"
    assert _fields(event, arrival_context(NOW, timedelta(minutes=5))) == ["time"]


@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f", "\x1b"])
def test_a_bidi_or_control_character_in_a_lead_key_part_is_refused(control):
    assert _fields(_event(email=f"ann{control}@example.com")) == ["data.email"]
    assert _fields(_event(email=None, external_id=f"id{control}")) == ["data.external_id"]


def test_a_bidi_character_in_a_crm_lead_key_is_refused():
    activity = {"activity_id": "a1", "lead_key": "ann\u202e@example.com", "kind": "call",
                "occurred_at": NOW.isoformat()}
    with pytest.raises(ValidationError) as caught:
        CrmActivityEvent(id="e1", source="tests", data=activity)
    assert [e["loc"] for e in caught.value.errors()] == [("data", "lead_key")]


def test_extension_attributes_are_accepted_within_bounds():
    event = _event()
    event.update({"traceparent": "00-abc-01", "partitionkey": 7, "sampled": True})
    assert _fields(event) == []


@pytest.mark.parametrize("extensions", [
    {f"ext{i}": "x" for i in range(21)},  # too many
    {"big": "x" * 1001},  # too long
    {"nested": {"a": 1}},  # not a string, integer or boolean
    {"Bad-Name": "x"},  # not lower-case letters and digits
    {"huge": 2**40},  # not a 32-bit integer
])
def test_extension_attributes_beyond_bounds_are_refused(extensions):
    event = copy.deepcopy(_event())
    event.update(extensions)
    with pytest.raises(ValidationError, match="extension"):
        ADAPTER.validate_python(event)


@pytest.mark.parametrize("since", ["99999999d", "999999999999w", "0001-01-01T00:00:00+01:00"])
def test_a_backtest_window_out_of_range_is_a_value_error(since):
    with pytest.raises(ValueError, match="must lie between"):
        parse_since(since, NOW)


def test_a_webhook_item_dated_beyond_the_skew_is_skipped_with_its_reason():
    kept = EngagementEvent.model_validate(_event(occurred_at=NOW.isoformat()))
    late = EngagementEvent.model_validate(_event(occurred_at="9999-01-01T00:00:00Z"))
    mapped = Mapped(events=[kept, late])
    mapped.skip_future(NOW, timedelta(minutes=5))
    assert mapped.events == [kept]
    assert [(s.item, s.reason.split(":")[0]) for s in mapped.skipped] == [(f"event {late.id}", "occurred_at")]
