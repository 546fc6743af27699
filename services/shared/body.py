"""Reading request bodies with a size limit and JSON errors that name what is wrong."""

from typing import Any

import orjson
from fastapi import Request

from services.shared.errors import ApiError


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
