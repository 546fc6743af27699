"""What every section of the agreement document is built from: a frozen strict model, the field
types its rules share, and the error that names several paths at once."""

import re
from datetime import time
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, PlainSerializer

from schemas.bounds import Strict

DOCUMENT = "(document)"  # the path of an error that belongs to no one field
TOUCH_FIELDS = ("url", "form", "campaign")  # what an engagement rule may match on

Points = Annotated[float, Field(allow_inf_nan=False)]
Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]  # rule ids and tier names


class Problems(ValueError):
    """Errors found across fields, each with a path relative to the model that found them."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


def check_unique(values: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    problems = []
    for i, value in enumerate(values):
        if value in seen:
            problems.append((path.format(i=i), f"duplicate {what} {value!r}"))
        seen.add(value)
    if problems:
        raise Problems(problems)


def _non_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    # Not Field(min_length=1): that also fires when an item failed, adding a confusing second error.
    if not items:
        raise ValueError("needs at least one item")
    return items


NonEmpty = AfterValidator(_non_empty)


def _hhmm(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 17:30 as the integer 1050; refuse it rather than guess.
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    raise ValueError("expected a time of day as 'HH:MM' (quote it in YAML: '17:30')")


ClockTime = Annotated[time, BeforeValidator(_hhmm), PlainSerializer(lambda t: t.strftime("%H:%M"),
                                                                     return_type=str, when_used="json")]


class Section(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")
