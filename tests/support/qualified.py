"""Sales-ready leads put straight onto the qualified topic, as the scorer would: for routing tests
that drive one or more routers without scoring."""

from collections.abc import Iterable
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode


def qualified_lead(prefix: str, source: str, n: int, tag: str, domains: int) -> QualifiedEvent:
    """The nth hot lead of a run (`tag`), from `source`, its company one of `domains`."""
    key = f"{prefix}-{tag}-{n}@lead{n % domains}.example"
    return QualifiedEvent(id=f"q-{tag}-{n}", source="tests", subject=key, data={
        "lead_key": key, "email": key, "source": source, "qualified_at": datetime.now(UTC),
        "reason": "threshold:hot", "tier": "hot", "agreement_version": 1})


async def publish_qualified(stack, events: Iterable[QualifiedEvent]) -> None:
    """Produces each event keyed by its lead, and waits until the broker has them all."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(stack.topic(Topic.QUALIFIED), encode(e), key=e.data.lead_key.encode(),
                                       headers=STRUCTURED_HEADERS) for e in events]
        for f in futures:
            await f
    finally:
        await producer.stop()
