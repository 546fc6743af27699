"""Requests and responses of the subscription API (outbound delivery)."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from services.router.deliveries.domain.chat import Format
from services.router.deliveries.domain.delivery import MAX_URL_LENGTH, filter_problem, url_problem

DeliveryStatus = Literal["pending", "delivered", "failed"]


def _url(value: str) -> str:
    # The syntax only; whether loopback is allowed depends on the deployment (checked by the route).
    problem = url_problem(value, allow_loopback=True)
    if problem:
        raise ValueError(problem)
    return value


def _filters(values: list[str]) -> list[str]:
    problems = [f"{v!r}: {p}" for v in values if (p := filter_problem(v))]
    if problems:
        raise ValueError("; ".join(problems))
    return list(dict.fromkeys(values))  # without repeats, in the given order


Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH, examples=["https://crm.example.com/hooks/handoff"]),
                AfterValidator(_url)]
EventFilters = Annotated[list[Annotated[str, Field(max_length=100)]], Field(
    min_length=1, max_length=30, examples=[["handoff.lead.routed", "handoff.lead.followup:touched"]],
    description="Event types to deliver: `handoff.lead.routed`, `handoff.lead.followup`, or "
                "`handoff.lead.followup:<status>` for one follow-up status"), AfterValidator(_filters)]
Description = Annotated[str | None, Field(max_length=500)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    event_types: EventFilters
    description: Description = None
    active: bool = True
    format: Format = Field(default="cloudevent", description="The body: the signed CloudEvent, a Slack"
                           " incoming-webhook message or a Microsoft Teams message card")


class SubscriptionPatch(BaseModel):
    """The fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    event_types: EventFilters | None = None
    description: Description = None
    active: bool | None = None
    format: Format | None = None

    @field_validator("url", "event_types", "active", "format", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:  # only `description` can be cleared
            raise ValueError("may be left out, but not null")
        return value


class SubscriptionOut(BaseModel):
    subscription_id: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    connector: str | None = Field(default=None, description="The CRM connector that sends these deliveries through"
                                                            " the CRM's API (docs/crm.md); null for a webhook")
    format: Format
    created_at: datetime
    updated_at: datetime
    secret_rotated_at: datetime | None = Field(default=None, description="When the secret last rotated")
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="Set during a rotation's overlap: until then deliveries carry a signature by the"
                                  " previous secret too")


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The whsec_ signing secret; shown only in this answer")


MAX_OVERLAP_HOURS = 720  # 30 days: long enough for any change window, short enough to end


class SecretRotation(BaseModel):
    """A new signing secret; the current one keeps signing beside it for `overlap_hours`."""

    model_config = ConfigDict(extra="forbid")

    overlap_hours: float = Field(
        default=24, ge=0, le=MAX_OVERLAP_HOURS,
        description="How long deliveries carry both signatures (0: the old secret stops signing at once). A rotation"
                    " during an overlap ends the older secret's: only the two newest ever sign")


class SecretRotated(SubscriptionCreated):
    secret: str = Field(description="The new whsec_ signing secret; shown only in this answer")


class AttemptOut(BaseModel):
    attempt: int
    started_at: datetime
    duration_ms: float
    status_code: int | None = Field(description="None when no answer came (timeout, connection refused)")
    error: str | None


class DeliveryOut(BaseModel):
    delivery_id: str = Field(description="The webhook-id header of every attempt")
    subscription_id: str
    event_id: str = Field(description="The CloudEvent's source#id")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="Set while pending")
    created_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    attempt_log: list[AttemptOut]


class Requeued(BaseModel):
    requeued: int
    delivery_ids: list[str]
