"""Payloads (`data`) of the five event types of the contract (DESIGN §2)."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import InitErrorDetails

from schemas.bounds import (
    CONTROLS_MESSAGE,
    Instant,
    JsonObject,
    LeadKeyText,
    OccurredAt,
    Strict,
    has_controls,
    problem,
    refuse_controls,
)
from schemas.money import Amount, CurrencyCode

_EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


def _email_shape(value: str) -> str:
    # The shape only, not email_validator's IDNA checks: every engagement record passes here on the
    # scorer's hot path, and a lead key needs a stable string, not a deliverable address.
    if len(value) > 254 or not _EMAIL_SHAPE.fullmatch(value):
        raise ValueError("value is not a valid email address: it must look like name@example.com")
    return refuse_controls(value)


Email = Annotated[str, AfterValidator(_email_shape), WithJsonSchema({"format": "email", "type": "string"})]
# The lead key: an email (254, which lower-casing can lengthen) or `<source>:<external id>` (100 + 1 + 200).
LeadKey = Annotated[LeadKeyText, Field(min_length=1, max_length=640)]
Text = Annotated[str, Field(max_length=2000)]  # the other strings of the events Handoff writes itself


class _Payload(Strict):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActivityKind(StrEnum):
    """The built-in engagement activities; an agreement may declare more (`activities`)."""

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


BUILT_IN_ACTIVITIES = frozenset(kind.value for kind in ActivityKind)
ACTIVITY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# Any activity name: a built-in kind or one an agreement declares (`webinar_registered`). The name is
# checked, not the vocabulary: a kind the agreement in force does not declare is kept and counted as
# ignored, so a tool's new event type is never lost while the agreement catches up.
Activity = Annotated[str, Field(pattern=ACTIVITY_PATTERN, description=(
    "A built-in activity (" + ", ".join(k.value for k in ActivityKind) + ") or a custom kind the agreement declares"))]


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
    activity: Activity
    occurred_at: OccurredAt
    email: Email | None = None
    external_id: str | None = Field(default=None, max_length=200, description="The tool's own id")
    url: str | None = Field(default=None, max_length=2000)
    form: str | None = Field(default=None, max_length=200)
    campaign: str | None = Field(default=None, max_length=200)
    attributes: JsonObject = Field(
        default_factory=dict, description="Lead and company fields (company, title, employees…)"
    )

    def _problems(self) -> list[InitErrorDetails]:
        # The identity and what the lead key is made of, in Strict's one check of the model.
        if not self.email and not self.external_id:
            return [problem((), "either email or external_id is required", None)]
        return [problem((name,), CONTROLS_MESSAGE, value) for name, value in
                (("source", self.source), ("external_id", self.external_id)) if value and has_controls(value)]

    @property
    def lead_key(self) -> str:
        return lead_key_for(self.email, self.source, self.external_id)


class IntentRecorded(_Payload):
    """An account-level buying-intent signal from a third-party provider (type `handoff.intent.recorded`)."""

    account: str = Field(min_length=3, max_length=253, pattern=r"^[^\s@/]+\.[^\s@/]+$",
                         description="The company's domain, e.g. `acme.com` (grouped by its registrable domain)")
    topic: str = Field(min_length=1, max_length=200, description="What the account researches, e.g. `CRM software`")
    strength: float = Field(ge=0, le=100, description="How strong the signal is, 0-100 (a provider's score)")
    provider: str = Field(min_length=1, max_length=100, description="Who observed it, e.g. `bombora`, `g2`")
    observed_at: OccurredAt

    def _problems(self) -> list[InitErrorDetails]:
        return [problem((name,), CONTROLS_MESSAGE, value) for name, value in
                (("account", self.account), ("provider", self.provider), ("topic", self.topic))
                if has_controls(value)]


class ScoreContribution(_Payload):
    """One rule that fired and the points it gave."""

    rule: Text
    points: float


class LeadQualified(_Payload):
    """A lead crossed the agreement's sales-ready line (type `handoff.lead.qualified`)."""

    lead_key: LeadKey
    email: Text | None = None
    source: Text
    campaign: Text | None = None
    qualified_at: Instant
    reason: Text = Field(description="Why it is sales-ready, e.g. `fast_track:demo_request`")
    tier: Text = Field(description="SLA tier named by the agreement, e.g. `hot`")
    fit_score: float = 0
    engagement_score: float = 0
    agreement_version: int | None = Field(default=None, description="Version that decided it")
    explanation: tuple[ScoreContribution, ...] = ()
    attributes: JsonObject = Field(default_factory=dict)


class AccountQualified(_Payload):
    """An account's buying group crossed the agreement's sales-ready line (type `handoff.account.qualified`)."""

    account_key: Text = Field(description="The account's registrable domain, e.g. `acme.com`")
    qualified_at: Instant
    tier: Text = Field(description="The SLA tier the agreement gives a sales-ready account")
    engagement_score: float = Field(description="The account's decayed engagement, its intent share included")
    fit_score: float = Field(description="The best fit among its engaged contacts")
    personas: tuple[Text, ...] = Field(default=(), description="The distinct personas of its engaged contacts")
    contacts: tuple[LeadKey, ...] = Field(default=(), max_length=100, description="Its engaged contacts (100 at most)")
    lead_key: LeadKey = Field(description="The contact whose event took the account over the line")
    agreement_version: int | None = None


class LeadRouted(_Payload):
    """A sales-ready lead was assigned to a rep (type `handoff.lead.routed`)."""

    lead_key: LeadKey
    assignment_id: Text
    qualification_id: Text
    rep_id: Text
    pool_id: Text | None = None
    rule: Text
    tier: Text
    agreement_version: int | None = None
    routed_at: Instant
    sla_due_at: Instant | None = None


class CrmActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    STATUS = "status"


class CrmActivityRecorded(_Payload):
    """What a rep did in the CRM (type `handoff.crm.activity`)."""

    activity_id: str = Field(min_length=1, max_length=200)
    lead_key: LeadKey
    rep_id: str | None = Field(default=None, max_length=200)
    kind: CrmActivityKind
    status: str | None = Field(default=None, max_length=100, description="accepted, rejected, converted, won, lost")
    reason: str | None = Field(default=None, max_length=500)
    occurred_at: OccurredAt
    amount: Amount | None = Field(default=None, description="The deal's value, exact (a decimal string or number);"
                                                            " only on converted and won, with currency")
    currency: CurrencyCode | None = Field(default=None, description="ISO 4217 code of the amount")

    def _problems(self) -> list[InitErrorDetails]:
        # An amount means nothing without its currency, and a currency nothing without an amount.
        if (self.amount is None) != (self.currency is None):
            missing = "currency" if self.currency is None else "amount"
            return [problem((missing,), "amount and currency come together: give both or neither", None)]
        return []


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
    REP_UNAVAILABLE = "rep_unavailable"  # the rep missed K first-touch SLAs in a row and takes no leads


class LeadFollowup(_Payload):
    """A step of the follow-up loop of one assignment (type `handoff.lead.followup`)."""

    lead_key: LeadKey
    assignment_id: Text | None = None
    rep_id: Text | None = None
    status: FollowupStatus
    occurred_at: Instant
    tier: Text | None = None
    agreement_version: int | None = None
    business_minutes_to_first_touch: float | None = None
    on_time: bool | None = None
    reason: Text | None = None
    previous_rep_id: Text | None = None
    manager_id: Text | None = None
    sla_due_at: Instant | None = Field(default=None, description="The first-touch due time it refers to")
    activity_id: Text | None = Field(default=None, description="The CRM activity that caused it")
    amount: Amount | None = Field(default=None, description="converted and won: the deal's value, as the CRM gave it")
    currency: CurrencyCode | None = None


class ReviewPublished(_Payload):
    """The weekly review both teams read is out (type `handoff.review.published`); the page has the rest."""

    week: Text = Field(description="ISO week, e.g. 2026-W48, in the agreement calendar's time zone")
    starts_at: Instant
    ends_at: Instant
    agreement_version: int | None = None
    currency: CurrencyCode = Field(description="The reporting currency of the amounts")
    sales_ready: int
    commitment: int | None = None
    acceptance_rate: float | None = None
    on_time_pct: float | None = None
    pipeline_amount: Amount
    won: int
    won_amount: Amount
    html_url: Text = Field(description="The review page (/ui/reviews/<week>), for a signed-in reader")
    pdf_url: Text = Field(description="The same page as PDF")
    summary: Text = Field(description="The short summary a chat channel gets")


__all__ = [
    "ACTIVITY_PATTERN",
    "AccountQualified",
    "BUILT_IN_ACTIVITIES",
    "Activity",
    "ActivityKind",
    "CrmActivityKind",
    "CrmActivityRecorded",
    "EngagementRecorded",
    "FollowupStatus",
    "IntentRecorded",
    "LeadFollowup",
    "LeadQualified",
    "LeadRouted",
    "ReviewPublished",
    "ScoreContribution",
    "datetime",
    "lead_key_for",
]
