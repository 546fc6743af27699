"""Generated input and raw Kafka plumbing for the benchmarks (deterministic, pre-encoded)."""

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

STRUCTURED = [("content-type", b"application/cloudevents+json")]
# A realistic mix: mostly page views and email, a little intent, rare demo requests.
MIX = (("page_view", 50), ("email_open", 18), ("email_click", 9), ("pricing_view", 7), ("form_submit", 6),
       ("content_download", 5), ("webinar_attended", 2), ("trial_started", 1.5), ("demo_request", 1.5))
TITLES = ("VP Sales", "Head of Marketing", "Engineer", "Student", "CEO", "Analyst")
INDUSTRIES = ("software", "manufacturing", "retail", "education", "finance")
Record = tuple[bytes, bytes]


def lead_attributes(rng: random.Random, i: int) -> dict:
    return {"company": f"Company {i}", "employees": rng.choice((5, 40, 200, 1200, 8000)),
            "industry": rng.choice(INDUSTRIES), "country": rng.choice(("DE", "US", "FR", "GB", "BR")),
            "title": rng.choice(TITLES)}


def engagement_event(email: str, activity: str, at: datetime, attributes: dict | None = None,
                     source: str = "bench") -> dict:
    data = {"source": source, "activity": activity, "occurred_at": at.isoformat(), "email": email}
    if attributes:
        data["attributes"] = attributes
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "bench", "type": "handoff.engagement.recorded",
            "data": data}


def engagement_records(events: int, leads: int, seed: int = 7) -> list[Record]:
    """`events` CloudEvents over `leads` leads (each on a domain of its own), keyed by lead."""
    rng = random.Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    start = datetime.now(UTC) - timedelta(days=7)
    emails = [f"lead{i}@bench{i}-example.com" for i in range(leads)]
    attributes = [lead_attributes(rng, i) for i in range(leads)]
    out: list[Record] = []
    for n in range(events):
        i = n % leads if n < leads else rng.randrange(leads)  # every lead once, then at random
        at = start + timedelta(seconds=n * 604800 / events)
        event = engagement_event(emails[i], rng.choices(kinds, weights)[0], at, attributes[i] if n < leads else None)
        out.append((emails[i].encode(), orjson.dumps(event)))
    return out


async def create_topic(bootstrap: str, name: str, partitions: int = 12) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def produce_all(bootstrap: str, topic: str, records: list[Record],
                      headers: list[tuple[str, bytes]] = STRUCTURED) -> float:
    """Writes every record (acks=all) as fast as the producer goes; returns the seconds it took."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20,
                                max_batch_size=256 * 1024, compression_type=None)
    await producer.start()
    began = time.monotonic()
    try:
        pending = []
        for key, value in records:
            pending.append(await producer.send(topic, value, key=key, headers=headers))
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.monotonic() - began


async def pass_through(bootstrap: str, source: str, sink: str, total: int, group: str,
                       batch_max: int = 500) -> tuple[float, float]:
    """The ceiling: consume, produce each record on, commit per batch. Returns (t at 5%, t at 100%)."""
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_poll_records=batch_max)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    seen, t5 = 0, None
    try:
        while seen < total:
            batch = await consumer.getmany(timeout_ms=500, max_records=batch_max)
            futures = [await producer.send(sink, r.value, key=r.key, headers=list(r.headers))
                       for recs in batch.values() for r in recs]
            await asyncio.gather(*futures)
            if batch:
                await consumer.commit()
            seen += len(futures)
            if t5 is None and seen >= total * 0.05:
                t5 = time.monotonic()
        return t5 or time.monotonic(), time.monotonic()
    finally:
        await consumer.stop()
        await producer.stop()
