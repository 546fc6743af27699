"""Typed CloudEvents per event type, and the one TypeAdapter each topic decodes through."""

from typing import Annotated, Literal, Union

from pydantic import Field, TypeAdapter

from schemas.envelope import CloudEvent
from schemas.events import (
    AccountQualified,
    CrmActivityRecorded,
    EngagementRecorded,
    IntentRecorded,
    LeadFollowup,
    LeadQualified,
    LeadRouted,
    ReviewPublished,
)
from schemas.topics import Topic


class EngagementEvent(CloudEvent):
    type: Literal["handoff.engagement.recorded"] = "handoff.engagement.recorded"
    data: EngagementRecorded


class QualifiedEvent(CloudEvent):
    type: Literal["handoff.lead.qualified"] = "handoff.lead.qualified"
    data: LeadQualified


class RoutedEvent(CloudEvent):
    type: Literal["handoff.lead.routed"] = "handoff.lead.routed"
    data: LeadRouted


class CrmActivityEvent(CloudEvent):
    type: Literal["handoff.crm.activity"] = "handoff.crm.activity"
    data: CrmActivityRecorded


class FollowupEvent(CloudEvent):
    type: Literal["handoff.lead.followup"] = "handoff.lead.followup"
    data: LeadFollowup


class ReviewEvent(CloudEvent):
    """Not on a topic: the router sends it straight to the subscriptions that ask for it."""

    type: Literal["handoff.review.published"] = "handoff.review.published"
    data: ReviewPublished


class IntentEvent(CloudEvent):
    type: Literal["handoff.intent.recorded"] = "handoff.intent.recorded"
    data: IntentRecorded


class AccountQualifiedEvent(CloudEvent):
    type: Literal["handoff.account.qualified"] = "handoff.account.qualified"
    data: AccountQualified


HandoffEvent = Annotated[
    Union[EngagementEvent, QualifiedEvent, RoutedEvent, CrmActivityEvent, FollowupEvent, IntentEvent,
          AccountQualifiedEvent],
    Field(discriminator="type"),
]

# Each topic carries exactly one event type; a record of another type is a poison record.
TOPIC_ADAPTERS: dict[Topic, TypeAdapter[CloudEvent]] = {
    Topic.ENGAGEMENT: TypeAdapter(EngagementEvent),
    Topic.QUALIFIED: TypeAdapter(QualifiedEvent),
    Topic.ROUTED: TypeAdapter(RoutedEvent),
    Topic.CRM_ACTIVITY: TypeAdapter(CrmActivityEvent),
    Topic.FOLLOWUP: TypeAdapter(FollowupEvent),
    Topic.INTENT: TypeAdapter(IntentEvent),
    Topic.ACCOUNT_QUALIFIED: TypeAdapter(AccountQualifiedEvent),
}
