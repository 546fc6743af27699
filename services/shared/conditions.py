"""The declarative condition operators shared by the agreement and routing rules.

A condition names a field and exactly one operator: equals, in, range, regex, exists.
Conditions are data, never code: regexes are compiled by RE2, which matches in time linear in the
value (no backtracking, so no pattern can be catastrophic), and a pattern RE2 cannot compile
(backreferences, lookaround) is refused when the document is validated. Values are matched only up
to a bounded length.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import re2
from pydantic import ConfigDict, Field, field_validator, model_validator

from schemas.bounds import Strict

MAX_PATTERN_LENGTH = 300
MAX_MATCHED_LENGTH = 2000
MAX_PROGRAM_BYTES = 1 << 20  # RE2's memory budget for one compiled pattern (x{1000}{1000} and such)
OPERATORS = ("equals", "in", "range", "regex", "exists")


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the user's error, not a line in our logs
    options.max_mem = MAX_PROGRAM_BYTES
    return options


@functools.lru_cache(maxsize=4096)
def compiled(pattern: str) -> Any:
    """The RE2 program of `pattern` (compiled once per pattern, not per lead); raises ValueError."""
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"invalid regex (RE2 syntax, no backreferences or lookaround): {reason}") from None


def check_regex(pattern: str) -> str:
    """Returns `pattern` if RE2 compiles it within the size limits; raises ValueError otherwise."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"regex longer than {MAX_PATTERN_LENGTH} characters")
    compiled(pattern)
    return pattern


class Range(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")

    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None

    @model_validator(mode="after")
    def _has_a_bound(self) -> "Range":
        if all(v is None for v in (self.gte, self.gt, self.lte, self.lt)):
            raise ValueError("a range needs at least one of gte, gt, lte, lt")
        return self

    def contains(self, x: float) -> bool:
        return ((self.gte is None or x >= self.gte) and (self.gt is None or x > self.gt)
                and (self.lte is None or x <= self.lte) and (self.lt is None or x < self.lt))


class Condition(Strict):
    """`field` and exactly one operator, e.g. {"field": "employees", "range": {"gte": 50}}."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    field: str = Field(min_length=1, max_length=100)
    equals: str | float | bool | None = None
    in_: tuple[str | float, ...] | None = Field(default=None, alias="in")
    range: Range | None = None
    regex: str | None = None
    exists: bool | None = None

    @field_validator("regex")
    @classmethod
    def _safe_regex(cls, v: str | None) -> str | None:
        return None if v is None else check_regex(v)

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> "Condition":
        given = [name for name in OPERATORS if getattr(self, "in_" if name == "in" else name) is not None]
        if len(given) != 1:
            raise ValueError(f"a condition needs exactly one operator of {list(OPERATORS)}; got {given}")
        return self


@dataclass(frozen=True)
class Outcome:
    matched: bool
    mismatch: str | None = None  # the value's type did not fit the operator


def _norm(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else v


@functools.lru_cache(maxsize=4096)
def _normalised(values: tuple[Any, ...]) -> frozenset[Any]:
    """The normalised set of an `in` list; built once per list, not per lead (a scoring hot path)."""
    return frozenset(_norm(v) for v in values)


def evaluate(condition: Condition, record: Mapping[str, Any]) -> Outcome:
    """Whether `record` satisfies `condition`; a value of the wrong type is a recorded non-match."""
    present = record.get(condition.field) not in (None, "")
    if condition.exists is not None:
        return Outcome(present == condition.exists)
    if not present:
        return Outcome(False)
    value = record[condition.field]
    if not isinstance(value, str | int | float | bool):
        return Outcome(False, f"{condition.field}: {type(value).__name__} is not a plain value")
    if condition.range is not None:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return Outcome(False, f"{condition.field}: {value!r} is not a number")
        return Outcome(condition.range.contains(number))
    if condition.regex is not None:
        return Outcome(compiled(condition.regex).search(str(value)[:MAX_MATCHED_LENGTH]) is not None)
    if condition.in_ is not None:
        return Outcome(_norm(value) in _normalised(condition.in_))
    return Outcome(_norm(value) == _norm(condition.equals))


def evaluate_all(conditions: tuple[Condition, ...], record: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """All conditions hold (an empty list holds); with every type mismatch met on the way."""
    mismatches: list[str] = []
    matched = True
    for condition in conditions:
        outcome = evaluate(condition, record)
        if outcome.mismatch:
            mismatches.append(outcome.mismatch)
        matched = matched and outcome.matched
    return matched, mismatches
