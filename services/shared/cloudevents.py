"""CloudEvents codec: structured mode out; structured and binary mode in."""

from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import TypeAdapter

from schemas.envelope import CloudEvent

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
STRUCTURED_HEADERS: list[tuple[str, bytes]] = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]
_BINARY_PREFIX = "ce_"

Headers = Sequence[tuple[str, bytes]]


class UndecodableRecord(ValueError):
    """A record that is not a CloudEvent of the topic's type."""


def encode(event: CloudEvent) -> bytes:
    """The structured-mode JSON body of `event` (serialised by pydantic-core, without a dict between)."""
    return event.model_dump_json(exclude_none=True).encode()


def _header_map(headers: Headers | None) -> dict[str, bytes]:
    return {k.lower(): v for k, v in (headers or ())}


def envelope_dict(value: bytes | None, headers: Headers | None) -> dict[str, Any]:
    """The event as a plain dict, whichever mode the producer used."""
    hmap = _header_map(headers)
    try:
        if f"{_BINARY_PREFIX}specversion" in hmap:
            attrs: dict[str, Any] = {
                k[len(_BINARY_PREFIX):]: v.decode()
                for k, v in hmap.items()
                if k.startswith(_BINARY_PREFIX)
            }
            attrs["data"] = orjson.loads(value) if value else None
            content_type = hmap.get("content-type")
            if content_type:
                attrs["datacontenttype"] = content_type.decode().split(";")[0].strip()
            return attrs
        if value is None:
            raise UndecodableRecord("empty record value")
        body = orjson.loads(value)
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UndecodableRecord(f"not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise UndecodableRecord("structured CloudEvent must be a JSON object")
    return body


def decode(adapter: TypeAdapter[CloudEvent], value: bytes | None, headers: Headers | None = None,
           context: dict[str, Any] | None = None) -> CloudEvent:
    """Decodes one Kafka record into the topic's event model (with the validation `context`), or raises
    UndecodableRecord."""
    raw = envelope_dict(value, headers)
    try:
        return adapter.validate_python(raw, context=context)
    except ValueError as exc:
        raise UndecodableRecord(f"not a valid event: {exc}") from exc
