"""The CloudEvents 1.0 envelope every record on every topic carries."""

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

SPEC_VERSION: Final = "1.0"


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in structured mode; subclasses pin `type` and `data`."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = SPEC_VERSION
    id: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=500)
    type: str = Field(min_length=1, max_length=200)
    subject: str | None = Field(default=None, max_length=500)
    time: datetime | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    # The CloudEvents distributed-tracing extension (W3C trace context), so one lead's path is one
    # trace across the hops (services/shared/tracing.py). An unusable value is ignored, not refused.
    traceparent: str | None = Field(default=None, max_length=55)
    tracestate: str | None = Field(default=None, max_length=512)
    data: Any = None

    @property
    def dedupe_key(self) -> str:
        """CloudEvents ids are unique per source, so the pair identifies an event."""
        return f"{self.source}#{self.id}"
