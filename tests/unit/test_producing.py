"""Records are sized before they are produced: the broker's limit is the client's error (413), not 503."""

import pytest

from schemas.messages import EngagementEvent
from services.shared.errors import ApiError
from services.shared.producing import encoded_records
from tests.support.events import engagement, unique_email


def _event(padding: int) -> EngagementEvent:
    return EngagementEvent.model_validate(engagement(unique_email(), attributes={"pad": "x" * padding}))


def test_records_within_the_limit_are_encoded_with_their_keys():
    event = _event(10)
    [(key, value)] = encoded_records([event], lambda e: e.data.lead_key, 10_000, is_batch=False)
    assert key == event.data.lead_key.encode() and b'"pad":"xxxxxxxxxx"' in value


def test_a_record_over_the_limit_is_413_naming_its_index_in_a_batch():
    with pytest.raises(ApiError) as caught:
        encoded_records([_event(10), _event(5_000)], lambda e: e.data.lead_key, 4_000, is_batch=True)
    assert caught.value.status == 413
    assert [f.field for f in caught.value.fields] == ["[1]"]


def test_a_single_record_over_the_limit_names_the_body():
    with pytest.raises(ApiError) as caught:
        encoded_records([_event(5_000)], lambda e: e.data.lead_key, 4_000, is_batch=False)
    assert [f.field for f in caught.value.fields] == ["(body)"]
