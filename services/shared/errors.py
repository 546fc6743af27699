"""One JSON error shape for every failure: {"error": {"code", "message", "fields"}}."""

from collections.abc import Mapping
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.shared.responses import JsonResponse


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` documenting each of `statuses` with the one JSON error shape."""
    return {s: {"model": ErrorResponse} for s in statuses}


class ApiError(Exception):
    """Raised by routes and dependencies; rendered as the JSON error shape."""

    def __init__(self, status: int, code: str, message: str, fields: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers


def field_errors(exc: ValidationError | RequestValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic errors as `a.b[2].c` paths with messages."""
    out = []
    for err in exc.errors():
        path = prefix
        for part in err.get("loc", ()):
            if isinstance(part, int):
                path += f"[{part}]"
            elif part not in ("body",) or path:
                path += f".{part}" if path else str(part)
        out.append(FieldError(field=path or "(body)", message=err.get("msg", "invalid")))
    return out


RETRY_AFTER_S = "1"  # a 503 or 429 that names no wait of its own: try again in a second


def error_response(status: int, code: str, message: str, fields: list[FieldError] | None = None,
                   headers: Mapping[str, str] | None = None) -> JsonResponse:
    """The one JSON error shape; every 503 and 429 says when to come back (`Retry-After`), so a
    client backs off instead of hammering."""
    body = ErrorResponse(error=ErrorBody(code=code, message=message, fields=fields or []))
    if status in (429, 503) and not any(k.lower() == "retry-after" for k in (headers or {})):
        headers = {**(headers or {}), "Retry-After": RETRY_AFTER_S}
    return JsonResponse(body.model_dump(), status_code=status, headers=headers)


def api_error_response(exc: ApiError) -> JsonResponse:
    """An ApiError in the one JSON shape, with its headers."""
    return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)


_STATUS_CODES: dict[int, str] = {
    400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 503: "unavailable",
}


def install_error_handlers(app: FastAPI) -> None:
    """Renders every error, ours and the framework's, in the one JSON shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JsonResponse:
        return api_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JsonResponse:
        return error_response(422, "invalid", "the request does not match the schema", field_errors(exc))

    @app.exception_handler(asyncpg.DataError)
    async def _unstorable(_: Request, exc: asyncpg.DataError) -> JsonResponse:
        # A value PostgreSQL cannot hold (a NUL character, a number out of range) is the client's
        # input, not a server fault; which field it was is named by the checks before the SQL.
        return error_response(422, "invalid", f"a value cannot be stored: {str(exc).splitlines()[0]}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JsonResponse:
        detail: Any = exc.detail
        code = _STATUS_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(detail), headers=exc.headers)


async def refuse_nul_characters(request: Request) -> None:
    """422 naming the parameter when a query or path value holds a NUL, which no text column can store."""
    for where, params in (("query", request.query_params.multi_items()), ("path", request.path_params.items())):
        for name, value in params:
            if isinstance(value, str) and "\x00" in value:
                raise ApiError(422, "invalid", "text must not contain NUL characters",
                               [FieldError(field=f"{where}.{name}", message="contains a NUL character")])
