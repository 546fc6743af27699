from pydantic import TypeAdapter, ValidationError

from schemas.messages import EngagementEvent
from services.shared.errors import field_errors


def test_field_errors_name_nested_paths():
    try:
        TypeAdapter(EngagementEvent).validate_python({"id": "1", "source": "s", "data": {"activity": 3}})
    except ValidationError as exc:
        fields = {f.field for f in field_errors(exc)}
    assert {"data.activity", "data.source", "data.occurred_at"} <= fields


def test_field_errors_take_a_batch_index_prefix():
    try:
        TypeAdapter(EngagementEvent).validate_python({"source": "s"})
    except ValidationError as exc:
        fields = [f.field for f in field_errors(exc, prefix="[2]")]
    assert "[2].id" in fields
