"""Payloads (`data`) of the five event types of the contract (DESIGN §2)."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

_EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


def _email_shape(value: str) -> str:
    # The shape only, not email_validator's IDNA checks: every engagement record passes here on the
    # scorer's hot path, and a lead key needs a stable string, not a deliverable address.
    if len(value) > 254 or not _EMAIL_SHAPE.fullmatch(value):
        raise ValueError("value is not a valid email address: it must look like name@example.com")
    return value


Email = Annotated[str, AfterValidator(_email_shape), WithJsonSchema({"format": "email", "type": "string"})]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActivityKind(StrEnum):
    """Engagement activities the agreement can give points for."""

    PAGE_VIEW = "page_view"
    FORM_SUBMIT = "form_submit"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR_ATTENDED = "webinar_attended"
    SIGNED_UP = "signed_up"
    TRIAL_STARTED = "trial_started"
    DEMO_REQUEST = "demo_request"
    PRICING_VIEW = "pricing_view"
    PROFILE_UPDATED = "profile_updated"
    UNSUBSCRIBED = "unsubscribed"
    EMAIL_BOUNCED = "email_bounced"


def lead_key_for(email: str | None, source: str, external_id: str | None) -> str:
    """The lead key: the lower-cased email when there is one, else `<source>:<external id>`."""
    if email:
        return email.strip().lower()
    if external_id:
        return f"{source}:{external_id}"
    raise ValueError("a lead needs an email or an external_id")


class EngagementRecorded(_Payload):
    """A marketing or product touchpoint of one lead (type `handoff.engagement.recorded`)."""

    source: str = Field(min_length=1, max_length=100, description="Tool or system that saw it")
    activity: ActivityKind
    occurred_at: AwareDatetime
    email: Email | None = None
    external_id: str | None = Field(default=None, max_length=200, description="The tool's own id")
    url: str | None = Field(default=None, max_length=2000)
    form: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, max_length=200)
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="Lead and company fields (company, title, employees…)"
    )

    @model_validator(mode="after")
    def _has_identity(self) -> "EngagementRecorded":
        if not self.email and not self.external_id:
            raise ValueError("either email or external_id is required")
        return self

    @property
    def lead_key(self) -> str:
        return lead_key_for(self.email, self.source, self.external_id)


class ScoreContribution(_Payload):
    """One rule that fired and the points it gave."""

    rule: str
    points: float


class LeadQualified(_Payload):
    """A lead crossed the agreement's sales-ready line (type `handoff.lead.qualified`)."""

    lead_key: str
    email: str | None = None
    source: str
    campaign: str | None = None
    qualified_at: AwareDatetime
    reason: str = Field(description="Why it is sales-ready, e.g. `fast_track:demo_request`")
    tier: str = Field(description="SLA tier named by the agreement, e.g. `hot`")
    fit_score: float = 0
    engagement_score: float = 0
    agreement_version: int | None = Field(default=None, description="Version that decided it")
    explanation: tuple[ScoreContribution, ...] = ()
    attributes: dict[str, Any] = Field(default_factory=dict)


class LeadRouted(_Payload):
    """A sales-ready lead was assigned to a rep (type `handoff.lead.routed`)."""

    lead_key: str
    assignment_id: str
    qualification_id: str
    rep_id: str
    pool_id: str | None = None
    rule: str
    tier: str
    agreement_version: int | None = None
    routed_at: AwareDatetime
    sla_due_at: AwareDatetime | None = None


class CrmActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    STATUS = "status"


class CrmActivityRecorded(_Payload):
    """What a rep did in the CRM (type `handoff.crm.activity`)."""

    activity_id: str = Field(min_length=1, max_length=200)
    lead_key: str
    rep_id: str | None = None
    kind: CrmActivityKind
    status: str | None = Field(default=None, description="accepted, rejected, converted, won, lost")
    reason: str | None = None
    occurred_at: AwareDatetime


class FollowupStatus(StrEnum):
    ASSIGNED = "assigned"
    TOUCHED = "touched"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    REASSIGNED = "reassigned"
    ESCALATED = "escalated"
    UNWORKED = "unworked"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RECYCLED = "recycled"
    CONVERTED = "converted"
    WON = "won"
    LOST = "lost"
    OVERFLOW = "overflow"


class LeadFollowup(_Payload):
    """A step of the follow-up loop of one assignment (type `handoff.lead.followup`)."""

    lead_key: str
    assignment_id: str | None = None
    rep_id: str | None = None
    status: FollowupStatus
    occurred_at: AwareDatetime
    tier: str | None = None
    agreement_version: int | None = None
    business_minutes_to_first_touch: float | None = None
    on_time: bool | None = None
    reason: str | None = None
    previous_rep_id: str | None = None
    manager_id: str | None = None
    sla_due_at: AwareDatetime | None = Field(default=None, description="The first-touch due time it refers to")
    activity_id: str | None = Field(default=None, description="The CRM activity that caused it")


__all__ = [
    "ActivityKind",
    "CrmActivityKind",
    "CrmActivityRecorded",
    "EngagementRecorded",
    "FollowupStatus",
    "LeadFollowup",
    "LeadQualified",
    "LeadRouted",
    "ScoreContribution",
    "datetime",
    "lead_key_for",
]
