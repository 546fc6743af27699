"""Handoff's public contract: the CloudEvents envelope, event payloads and topic names."""

from schemas.envelope import SPEC_VERSION, CloudEvent
from schemas.events import (
    ActivityKind,
    CrmActivityKind,
    CrmActivityRecorded,
    EngagementRecorded,
    FollowupStatus,
    IntentRecorded,
    LeadFollowup,
    LeadQualified,
    LeadRouted,
    ScoreContribution,
    lead_key_for,
)
from schemas.messages import (
    TOPIC_ADAPTERS,
    CrmActivityEvent,
    EngagementEvent,
    FollowupEvent,
    HandoffEvent,
    IntentEvent,
    QualifiedEvent,
    RoutedEvent,
)
from schemas.topics import Topic, dlq_topic

__all__ = [
    "SPEC_VERSION",
    "ActivityKind",
    "CloudEvent",
    "CrmActivityEvent",
    "CrmActivityKind",
    "CrmActivityRecorded",
    "EngagementEvent",
    "EngagementRecorded",
    "FollowupEvent",
    "FollowupStatus",
    "HandoffEvent",
    "IntentEvent",
    "IntentRecorded",
    "LeadFollowup",
    "LeadQualified",
    "LeadRouted",
    "QualifiedEvent",
    "RoutedEvent",
    "ScoreContribution",
    "TOPIC_ADAPTERS",
    "Topic",
    "dlq_topic",
    "lead_key_for",
]
