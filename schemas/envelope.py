"""The CloudEvents 1.0 envelope every record on every topic carries."""

import re
from typing import Any, Final, Literal

from pydantic import ConfigDict, Field, model_validator

from schemas.bounds import OccurredAt, Strict

SPEC_VERSION: Final = "1.0"
MAX_EXTENSIONS: Final = 20
MAX_EXTENSION_TEXT: Final = 1000
INT32: Final = 2**31 - 1  # a CloudEvents Integer
_EXTENSION_NAME = re.compile(r"[a-z0-9]{1,20}")  # CloudEvents: lower-case letters and digits, 20 at most


def _extension_problem(name: str, value: Any) -> str | None:
    if not _EXTENSION_NAME.fullmatch(name):
        return "an extension attribute's name is 1 to 20 lower-case letters or digits"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -INT32 - 1 <= value <= INT32 else "an extension integer must fit 32 bits"
    if isinstance(value, str):
        if len(value) > MAX_EXTENSION_TEXT:
            return f"an extension value is at most {MAX_EXTENSION_TEXT} characters"
        return "text must not contain NUL characters" if "\x00" in value else None
    return "an extension value is a string, an integer or a boolean"


class CloudEvent(Strict):
    """A CloudEvents 1.0 event in structured mode; subclasses pin `type` and `data`."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = SPEC_VERSION
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=500)
    time: OccurredAt | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, max_length=500)
    data: Any = None

    @model_validator(mode="before")
    @classmethod
    def _bounded_extensions(cls, values: Any) -> Any:
        # Before: an unknown attribute is kept as sent (extra="allow"), so its shape is checked here.
        if not isinstance(values, dict):
            return values
        extensions = [name for name in values if name not in cls.model_fields]
        if len(extensions) > MAX_EXTENSIONS:
            raise ValueError(f"at most {MAX_EXTENSIONS} extension attributes")
        for name in extensions:
            problem = _extension_problem(name, values[name])
            if problem:
                raise ValueError(f"{name[:40]!r}: {problem}")
        return values

    @property
    def dedupe_key(self) -> str:
        """CloudEvents ids are unique per source, so the pair identifies an event."""
        return f"{self.source}#{self.id}"
