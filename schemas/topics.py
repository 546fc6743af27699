"""Topic names of the contract (DESIGN §1); a deployment may prefix them."""

from enum import StrEnum


class Topic(StrEnum):
    ENGAGEMENT = "handoff.engagement.v1"
    QUALIFIED = "handoff.lead.qualified.v1"
    ROUTED = "handoff.lead.routed.v1"
    CRM_ACTIVITY = "handoff.crm.activity.v1"
    FOLLOWUP = "handoff.lead.followup.v1"
    INTENT = "handoff.intent.v1"
    ACCOUNT_QUALIFIED = "handoff.account.qualified.v1"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic that belongs to `topic`."""
    return f"{topic}.dlq"
