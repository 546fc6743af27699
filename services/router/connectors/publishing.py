"""What a CRM's inbound events became, and its activities made durable on the CRM activity topic.

The router's CRM activity consumer applies them exactly as those posted to /v1/crm/activities;
their ids are the CRM's event keys, so a CRM's redelivery is applied once."""

from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer

from schemas.events import CrmActivityRecorded
from schemas.messages import CrmActivityEvent
from schemas.topics import Topic
from services.router.config import RouterSettings
from services.shared.producing import encoded_records, produce_acked

SOURCE = "handoff/crm-connector"


@dataclass
class Read:
    activities: list[CrmActivityRecorded] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (event, why it was left out)


async def publish(producer: AIOKafkaProducer, settings: RouterSettings, read: Read) -> list[str]:
    """Produces the activities and returns their ids once Kafka acknowledged every one."""
    events = [CrmActivityEvent(id=a.activity_id, source=SOURCE, subject=a.lead_key, data=a) for a in read.activities]
    records = encoded_records(events, lambda e: e.data.lead_key, settings.kafka_max_message_bytes, is_batch=True)
    await produce_acked(producer, settings.topic(Topic.CRM_ACTIVITY), records)
    return [e.id for e in events]
