"""Reading request bodies with a size limit and JSON errors that name what is wrong."""

from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from services.shared.errors import ApiError, field_errors

T = TypeVar("T")


def media_type(request: Request) -> str:
    """The request's declared media type, lower-cased, without parameters ("" when none)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body, or 413 as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"request body exceeds {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "too_large", f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(raw: bytes) -> Any:
    """The decoded JSON body, or 400 saying where it broke."""
    if not raw.strip():
        raise ApiError(400, "malformed", "request body is empty")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "malformed", f"request body is not valid JSON: {exc}") from exc


def validate_items(adapter: TypeAdapter[T], items: list[Any], is_batch: bool, max_items: int, what: str,
                   context: dict[str, Any] | None = None) -> list[T]:
    """Each item through `adapter` (with the validation `context`, e.g. schemas.bounds.arrival_context):
    400 for an empty batch, 413 past `max_items`, 422 naming every field of every item that does not
    fit (`[3].data.activity` in a batch)."""
    if not items:
        raise ApiError(400, "malformed", "the batch is empty")
    if len(items) > max_items:
        raise ApiError(413, "too_large", f"a batch holds at most {max_items} {what}s")
    valid, errors = [], []
    for index, item in enumerate(items):
        try:
            valid.append(adapter.validate_python(item, context=context))
        except ValidationError as exc:
            errors += field_errors(exc, prefix=f"[{index}]" if is_batch else "")
    if errors:
        raise ApiError(422, "invalid", f"the {what} does not match the schema", errors)
    return valid
