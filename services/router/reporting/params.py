"""Query parameters the report endpoints share: windows, choices; 422 naming the field."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query

from services.router.reporting.domain.windows import parse_instant
from services.shared.errors import ApiError, FieldError

Since = Annotated[str | None, Query(description="ISO 8601 timestamp with offset; inclusive")]
Until = Annotated[str | None, Query(description="ISO 8601 timestamp with offset; exclusive; default now")]


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", f"{field}: {message}", [FieldError(field=field, message=message)])


def choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    """`value` if it is one of `allowed`, else 422 naming `field`."""
    if value not in allowed:
        raise invalid(field, f"must be one of {list(allowed)}, got {value!r}")
    return value


def instant(field: str, text: str | None) -> datetime | None:
    """The timestamp in `text` (None when absent), else 422 naming `field`."""
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise invalid(field, str(exc)) from None


def window(since: datetime, until: datetime, longest: timedelta | None = None) -> tuple[datetime, datetime]:
    """[since, until) if since is not after until and the span is at most `longest`; else 422."""
    if since > until:
        raise ApiError(422, "invalid", "since is after until", [
            FieldError(field="since", message=f"after until ({until.isoformat()})")])
    if longest is not None and until - since > longest:
        raise invalid("since", f"the window may span at most {longest.days} days")
    return since, until
