"""CloudEvents codec: structured mode out; structured and binary mode in (Kafka and HTTP bindings)."""

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote

import orjson
from pydantic import TypeAdapter

from schemas.envelope import CloudEvent

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
STRUCTURED_HEADERS: list[tuple[str, bytes]] = [("content-type", STRUCTURED_CONTENT_TYPE.encode())]
_BINARY_PREFIX = "ce_"  # Kafka protocol binding
_HTTP_BINARY_PREFIX = b"ce-"  # HTTP protocol binding

Headers = Sequence[tuple[str, bytes]]


class UndecodableRecord(ValueError):
    """A record that is not a CloudEvent of the topic's type."""


def encode(event: CloudEvent) -> bytes:
    """The structured-mode JSON body of `event` (serialised by pydantic-core, without a dict between)."""
    return event.model_dump_json(exclude_none=True).encode()


def _header_map(headers: Headers | None) -> dict[str, bytes]:
    return {k.lower(): v for k, v in (headers or ())}


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def http_binary_attributes(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, Any] | None:
    """A binary-mode HTTP request's context attributes (`ce-*` headers, percent-decoded as the HTTP
    binding says; `content-type` as `datacontenttype`), or None when the request is not in binary mode.
    `headers` are ASGI's: lower-case names, as bytes."""
    attrs: dict[str, Any] = {}
    content_type = None
    for name, value in headers:
        if name.startswith(_HTTP_BINARY_PREFIX):
            attrs[name[len(_HTTP_BINARY_PREFIX):].decode("latin-1")] = unquote(value.decode("latin-1"))
        elif name == b"content-type":
            content_type = value.decode("latin-1")
    if "specversion" not in attrs:
        return None
    if content_type:
        attrs["datacontenttype"] = _media_type(content_type)
    return attrs


def is_json_media_type(media_type: str) -> bool:
    """application/json or any `+json` type (what a binary-mode event's data may be here)."""
    return media_type == "application/json" or media_type.endswith("+json")


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
                attrs["datacontenttype"] = _media_type(content_type.decode())
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
