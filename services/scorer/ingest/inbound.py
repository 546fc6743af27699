"""What the inbound routes share: configured secrets, content types, and producing with the broker's ack."""

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from fastapi import Request
from opentelemetry.trace import SpanKind

from schemas.events import BUILT_IN_ACTIVITIES
from schemas.messages import EngagementEvent
from schemas.topics import Topic
from services.agreement.deps import watcher_of
from services.shared.body import media_type
from services.shared.config import Settings
from services.shared.errors import ApiError
from services.shared.producing import encoded_records, produce_acked
from services.shared.signatures import configured_secrets as configured_secrets
from services.shared.signatures import verified as verified
from services.shared.tracing import caused, context_of, hop, stamped


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (application/json or a +json type)."""
    kind = media_type(request)
    if kind != "application/json" and not (kind.startswith("application/") and kind.endswith("+json")):
        raise ApiError(415, "unsupported_media_type", "send application/json")


def undeclared_kinds(request: Request, events: Sequence[EngagementEvent]) -> list[str]:
    """The activity of each event (in order) that the agreement in force does not declare: kept and
    produced all the same, scored once the agreement declares it (only built-ins without one)."""
    active = watcher_of(request.app).current
    return [e.data.activity for e in events
            if not (active.document.declares(e.data.activity) if active else e.data.activity in BUILT_IN_ACTIVITIES)]


def _lead_key(event: EngagementEvent) -> str:
    return event.data.lead_key


async def publish_engagement(producer: AIOKafkaProducer, settings: Settings, events: Sequence[EngagementEvent],
                             *, is_batch: bool = True, traceparent: str | None = None) -> None:
    """Produces `events` keyed by lead key and returns once Kafka acknowledged every one: 413 before
    sending if one is larger than a record may be, 503 without the acks.

    Each event goes on in the trace it came with (its `traceparent`), else in the request's (the
    `traceparent` header), else in a new one begun here."""
    topic = settings.topic(Topic.ENGAGEMENT)
    with hop("handoff.ingest", traceparent=traceparent, kind=SpanKind.SERVER,
             attributes={"messaging.destination.name": topic, "messaging.batch.message_count": len(events)}) as span:
        events = [caused("handoff.ingest.event", e, e) if context_of(e) else stamped(e, span) for e in events]
        records = encoded_records(events, _lead_key, settings.kafka_max_message_bytes, is_batch=is_batch)
        await produce_acked(producer, topic, records)
