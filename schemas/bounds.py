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

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

MAX_DEPTH: Final = 32  # nesting of a free-form value (an object or array inside another counts one level)
MAX_NODES: Final = 2_000  # values (scalars, keys' values, items) in one free-form value
MAX_TEXT: Final = 10_000  # characters of one string inside a free-form value
MAX_KEY: Final = 200  # characters of one key of a free-form object
# The integers orjson writes and reads back as integers; jsonb keeps any number as numeric, so an
# integral float such as 2.0**63 comes back from the database as the integer 9223372036854775808.
INT_MIN: Final = -(2**63)
INT_MAX: Final = 2**64 - 1
EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)  # no marketing touch is older; far from Python's year 1
LATEST: Final = datetime(9999, 12, 30, tzinfo=UTC)  # a day short of Python's end, whatever the offset
# Bidirectional controls (Trojan Source): they make a key read differently from what it is.
BIDI_CONTROLS: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# NUL is not here: Strict refuses it in every text field with a message of its own.
_CONTROLS = re.compile(f"[\x01-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
NOW: Final = "now"  # validation context: the instant an input arrives (a datetime)
SKEW: Final = "skew"  # validation context: how far in the future an occurrence may be (a timedelta)


def refuse_nul(value: str) -> str:
    """`value`, unless it holds a NUL character (no PostgreSQL text or jsonb value can)."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


_NUL_ERROR = PydanticCustomError("nul_character", "text must not contain NUL characters")


_CONTAINERS = frozenset({tuple, list, frozenset, set, dict})


def _has_nul(value: Any) -> bool:
    kind = type(value)
    if kind is str:  # the common case first: this runs for every field of every event
        return "\x00" in value
    if kind is tuple or kind is list or kind is frozenset or kind is set:
        return any(type(item) is str and "\x00" in item for item in value)
    if kind is dict:
        return any((type(k) is str and "\x00" in k) or (type(v) is str and "\x00" in v) for k, v in value.items())
    return False


def _nul_errors(name: str, value: Any) -> list[InitErrorDetails]:
    if type(value) is str:
        return [InitErrorDetails(type=_NUL_ERROR, loc=(name,), input=value)]
    if isinstance(value, tuple | list | frozenset | set):
        return [InitErrorDetails(type=_NUL_ERROR, loc=(name, i), input=item)
                for i, item in enumerate(value) if type(item) is str and "\x00" in item]
    if isinstance(value, dict):
        return [InitErrorDetails(type=_NUL_ERROR, loc=(name, str(key)), input=item)
                for key, item in value.items()
                if any(type(t) is str and "\x00" in t for t in (key, item))]
    return []


class Strict(BaseModel):
    """The base of every validated model: finite numbers only, no NUL in any text field."""

    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="after")
    def _checked(self) -> Self:
        # One pass over the fields, and the subclass's own checks, in one call (not a validator per
        # field: this is on the ingest hot path); the errors still name each field, since a
        # ValidationError raised here keeps its locations.
        errors: list[InitErrorDetails] = []
        for name, value in self.__dict__.items():
            kind = type(value)
            if kind is str:
                if "\x00" in value:
                    errors += _nul_errors(name, value)
            elif kind in _CONTAINERS and _has_nul(value):
                errors += _nul_errors(name, value)
        errors += self._problems()
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _problems(self) -> list[InitErrorDetails]:
        """What else a subclass refuses once its fields are valid, each error with its location."""
        return []


def problem(loc: tuple[str | int, ...], message: str, value: Any, kind: str = "value_error") -> InitErrorDetails:
    """One error for Strict._problems: `message` at `loc`."""
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)


_SCALARS = (str, int, float, bool, type(None))


def _flat_and_plain(value: dict[Any, Any]) -> bool:
    """Whether `value` is an object of short keys and plain, storable scalars (the usual attributes)."""
    if len(value) >= MAX_NODES:
        return False
    for key, item in value.items():
        if type(key) is not str or len(key) > MAX_KEY or "\x00" in key:
            return False
        kind = type(item)
        if kind is str:
            if len(item) > MAX_TEXT or "\x00" in item:
                return False
        elif kind is int:
            if not INT_MIN <= item <= INT_MAX:
                return False
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif not (kind is bool or item is None):
            return False
    return True


def check_json(value: Any) -> Any:
    """`value` if it is plain JSON within MAX_DEPTH, MAX_NODES and MAX_TEXT; raises ValueError otherwise."""
    if type(value) is dict and _flat_and_plain(value):
        return value
    stack: list[tuple[Any, int]] = [(value, 0)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise ValueError(f"more than {MAX_NODES} values")
        kind = type(item)
        if kind is str:
            if len(item) > MAX_TEXT:
                raise ValueError(f"a string is longer than {MAX_TEXT} characters")
            if "\x00" in item:
                raise ValueError("text must not contain NUL characters")
        elif kind is int:
            if not INT_MIN <= item <= INT_MAX:
                raise ValueError("an integer is outside -2**63 .. 2**64-1")
        elif kind is float:
            if not math.isfinite(item):
                raise ValueError("numbers must be finite (no NaN or Infinity)")
        elif kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
            if kind is dict:
                for key in item:
                    if type(key) is not str or len(key) > MAX_KEY:
                        raise ValueError(f"keys must be strings of at most {MAX_KEY} characters")
                    if "\x00" in key:
                        raise ValueError("text must not contain NUL characters")
                children = item.values()
            else:
                children = item
            stack.extend((child, depth + 1) for child in children)
        elif kind not in _SCALARS:
            raise ValueError(f"{kind.__name__} is not a JSON value")
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(check_json)]


def _in_range(value: datetime) -> bool:
    try:
        return EARLIEST <= value.astimezone(UTC) <= LATEST
    except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
        return False


def check_instant(value: datetime) -> datetime:
    """`value` if it lies between EARLIEST and LATEST in UTC; raises ValueError otherwise."""
    if not _in_range(value):
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()} (UTC)")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(check_instant)]


def not_after(value: datetime, now: datetime, skew: timedelta) -> str | None:
    """Why `value` cannot be an occurrence seen at `now` with clock skew `skew`; None when it can."""
    if value > now + skew:
        return f"is in the future (now is {now.isoformat()}, allowed clock skew {int(skew.total_seconds())} s)"
    return None


def _occurred(value: datetime, info: ValidationInfo) -> datetime:
    check_instant(value)  # one validator, not two: it runs for every event
    context = info.context
    if type(context) is dict and NOW in context:
        problem = not_after(value, context[NOW], context.get(SKEW) or timedelta(0))
        if problem:
            raise ValueError(problem)
    return value


OccurredAt = Annotated[AwareDatetime, AfterValidator(_occurred)]


def arrival_context(now: datetime, skew: timedelta) -> dict[str, Any]:
    """The validation context of an input arriving at `now`: occurrences may be at most `skew` ahead."""
    return {NOW: now, SKEW: skew}


CONTROLS_MESSAGE: Final = "must not contain control or bidirectional-override characters"


def has_controls(value: str) -> bool:
    """Whether `value` holds a control or bidi character (a lead key must read as what it is)."""
    return _CONTROLS.search(value) is not None


def refuse_controls(value: str) -> str:
    """`value`, unless it holds a control or bidi character."""
    if has_controls(value):
        raise ValueError(CONTROLS_MESSAGE)
    return value


LeadKeyText = Annotated[str, AfterValidator(refuse_controls)]
