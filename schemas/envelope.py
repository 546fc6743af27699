"""The CloudEvents 1.0 envelope every record on every topic carries."""

import re
from typing import Any, Final, Literal

from pydantic import ConfigDict, Field
from pydantic_core import InitErrorDetails

from schemas.bounds import OccurredAt, Strict, problem

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
    # The CloudEvents distributed-tracing extension (W3C trace context), so one lead's path is one
    # trace across the hops (services/shared/tracing.py). An unusable value is ignored, not refused.
    traceparent: str | None = Field(default=None, max_length=55)
    tracestate: str | None = Field(default=None, max_length=512)
    data: Any = None

    def _problems(self) -> list[InitErrorDetails]:
        extensions = self.__pydantic_extra__ or {}
        if len(extensions) > MAX_EXTENSIONS:
            return [problem((), f"at most {MAX_EXTENSIONS} extension attributes; got {len(extensions)}", None)]
        return [problem((name[:40],), f"extension attribute: {message}", value) for name, value in extensions.items()
                if (message := _extension_problem(name, value))]

    @property
    def dedupe_key(self) -> str:
        """CloudEvents ids are unique per source, so the pair identifies an event."""
        return f"{self.source}#{self.id}"
