"""What every model of the contract and every ops document accepts, so that whatever validates can be stored.

PostgreSQL text and jsonb cannot hold a NUL character; orjson (the jsonb codec and the event
encoder) writes NaN and Infinity as null and refuses integers beyond 64 bits; a timestamptz comes
from a Python datetime converted to UTC, which overflows near year 1 and year 9999. So:
- `Strict` is the base of every validated model: no non-finite floats, no NUL in any text field;
- `JsonObject` bounds free-form values (event attributes): depth, size, finite numbers, 64-bit ints;
- `Instant` bounds times to what PostgreSQL and the engine can hold; `OccurredAt` also refuses the
  future beyond the clock skew the validation context gives (`arrival_context`);
- `LeadKeyText` refuses control and bidi characters in what a lead key is made of.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, ValidationInfo, field_validator

MAX_DEPTH: Final = 32  # nesting of a free-form value (an object or array inside another counts one level)
MAX_NODES: Final = 2_000  # values (scalars, keys' values, items) in one free-form value
MAX_TEXT: Final = 10_000  # characters of one string inside a free-form value
MAX_KEY: Final = 200  # characters of one key of a free-form object
INT64: Final = 2**63 - 1
EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)  # no marketing touch is older; far from Python's year 1
LATEST: Final = datetime(9999, 12, 30, tzinfo=UTC)  # a day short of Python's end, whatever the offset
# Bidirectional controls (Trojan Source): they make a key read differently from what it is.
BIDI_CONTROLS: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
NOW: Final = "now"  # validation context: the instant an input arrives (a datetime)
SKEW: Final = "skew"  # validation context: how far in the future an occurrence may be (a timedelta)


def refuse_nul(value: str) -> str:
    """`value`, unless it holds a NUL character (no PostgreSQL text or jsonb value can)."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


def _refuse_nul_in(value: Any) -> Any:
    if isinstance(value, str):
        refuse_nul(value)
    elif isinstance(value, tuple | list | frozenset | set):
        for item in value:
            if isinstance(item, str):
                refuse_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            for text in (key, item):
                if isinstance(text, str):
                    refuse_nul(text)
    return value


class Strict(BaseModel):
    """The base of every validated model: finite numbers only, no NUL in any text field."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _refuse_nul_in(value)


def _scalar(value: Any) -> None:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"a string is longer than {MAX_TEXT} characters")
        refuse_nul(value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -INT64 - 1 <= value <= INT64:
            raise ValueError("an integer is outside the 64-bit range")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("numbers must be finite (no NaN or Infinity)")
    else:
        raise ValueError(f"{type(value).__name__} is not a JSON value")


def check_json(value: Any) -> Any:
    """`value` if it is plain JSON within MAX_DEPTH, MAX_NODES and MAX_TEXT; raises ValueError otherwise."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ValueError(f"more than {MAX_NODES} values")
        if isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                for key in item:
                    if not isinstance(key, str) or len(key) > MAX_KEY:
                        raise ValueError(f"keys must be strings of at most {MAX_KEY} characters")
                    refuse_nul(key)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
        else:
            _scalar(item)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(check_json)]


def check_instant(value: datetime) -> datetime:
    """`value` if it lies between EARLIEST and LATEST in UTC; raises ValueError otherwise."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()} (UTC)")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(check_instant)]


def not_after(value: datetime, now: datetime, skew: timedelta) -> str | None:
    """Why `value` cannot be an occurrence seen at `now` with clock skew `skew`; None when it can."""
    if value > now + skew:
        return f"is in the future (now is {now.isoformat()}, allowed clock skew {int(skew.total_seconds())} s)"
    return None


def _occurred(value: datetime, info: ValidationInfo) -> datetime:
    context = info.context
    if isinstance(context, Mapping) and isinstance(context.get(NOW), datetime):
        problem = not_after(value, context[NOW], context.get(SKEW) or timedelta(0))
        if problem:
            raise ValueError(problem)
    return value


OccurredAt = Annotated[Instant, AfterValidator(_occurred)]


def arrival_context(now: datetime, skew: timedelta) -> dict[str, Any]:
    """The validation context of an input arriving at `now`: occurrences may be at most `skew` ahead."""
    return {NOW: now, SKEW: skew}


def refuse_controls(value: str) -> str:
    """`value`, unless it holds a control or bidi character (a lead key must read as what it is)."""
    if _CONTROLS.search(value):
        raise ValueError("must not contain control or bidirectional-override characters")
    return value


LeadKeyText = Annotated[str, AfterValidator(refuse_controls)]
