"""The declarative condition operators shared by the agreement and routing rules.

A condition names a field and exactly one operator: equals, in, range, regex, exists.
Conditions are data, never code: regexes are checked for size and catastrophic backtracking
when the document is validated, and values are matched only up to a bounded length.
"""

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined]  # typeshed has no re._parser (the regex parser)
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_PATTERN_LENGTH = 300
MAX_MATCHED_LENGTH = 2000
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT}
OPERATORS = ("equals", "in", "range", "regex", "exists")


def _has_nested_repeat(items: Iterable[Any], inside_repeat: bool = False) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            low, high, sub = arg
            unbounded = high == sre_parse.MAXREPEAT or high > 1
            if inside_repeat and unbounded:
                return True
            if _has_nested_repeat(sub, inside_repeat or unbounded):
                return True
        elif op is sre_parse.SUBPATTERN:
            if _has_nested_repeat(arg[-1], inside_repeat):
                return True
        elif op is sre_parse.BRANCH:
            if any(_has_nested_repeat(branch, inside_repeat) for branch in arg[1]):
                return True
        elif op in (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS):
            return True  # backreferences can be exponential too
    return False


def check_regex(pattern: str) -> str:
    """Returns `pattern` if it is a valid, bounded-time regex; raises ValueError otherwise."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"regex longer than {MAX_PATTERN_LENGTH} characters")
    try:
        tree = sre_parse.parse(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regex: {exc}") from exc
    if _has_nested_repeat(list(tree)):
        raise ValueError("regex refused: nested repetition or backreference can backtrack catastrophically")
    return pattern


class Range(BaseModel):
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


class Condition(BaseModel):
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
        return Outcome(re.search(condition.regex, str(value)[:MAX_MATCHED_LENGTH]) is not None)
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
