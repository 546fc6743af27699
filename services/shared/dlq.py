"""Dead letters: a record that cannot be processed goes to `<topic>.dlq` with the reason; operators
read them back and, once the cause is fixed, replay them to where they came from."""

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from schemas.topics import dlq_topic
from services.shared.config import Settings
from services.shared.kafka import make_admin, make_consumer, make_producer

log = logging.getLogger(__name__)

MAX_REASON_BYTES = 4000


def dlq_headers(record: ConsumerRecord, reason: str) -> list[tuple[str, bytes]]:
    """The original headers plus ones naming where the record came from and why it failed."""
    original = [(k, v) for k, v in (record.headers or ()) if not k.startswith("dlq.")]
    return original + [
        ("dlq.original.topic", record.topic.encode()),
        ("dlq.original.partition", str(record.partition).encode()),
        ("dlq.original.offset", str(record.offset).encode()),
        ("dlq.error", reason.encode()[:MAX_REASON_BYTES]),
    ]


async def dead_letter(producer: AIOKafkaProducer, record: ConsumerRecord, reason: str) -> None:
    """Writes `record` to its dead-letter topic and waits for the broker's ack."""
    await producer.send_and_wait(
        dlq_topic(record.topic),
        record.value,
        key=record.key,
        headers=dlq_headers(record, reason),
    )
    log.warning(
        "record dead-lettered",
        extra={"topic": record.topic, "partition": record.partition, "offset": record.offset,
               "reason": reason[:300]},
    )


# --- reading dead letters back, and replaying them (operators, after a fix) ----------------------

REPLAYED_FROM = "handoff.replayed-from"  # header on a replayed record: `<dlq topic>/<partition>/<offset>`


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic, with what `dlq_headers` added to it."""

    topic: str  # the dead-letter topic
    partition: int
    offset: int
    timestamp: datetime  # when it was dead-lettered (the broker's append time or the producer's)
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k == name]
        return found[-1].decode(errors="replace") if found else None

    @property
    def error(self) -> str:
        return self.header("dlq.error") or ""

    @property
    def original_topic(self) -> str:
        """Where it came from; a dead-letter topic's own name says so when the header is missing."""
        return self.header("dlq.original.topic") or self.topic.removesuffix(".dlq")

    @property
    def original_position(self) -> tuple[int, int] | None:
        partition, offset = self.header("dlq.original.partition"), self.header("dlq.original.offset")
        if partition is None or offset is None or not (partition.isdigit() and offset.isdigit()):
            return None
        return int(partition), int(offset)

    def replay_headers(self) -> list[tuple[str, bytes]]:
        """The record's own headers as first produced (the dead-letter ones dropped), and where the
        replay came from, so the consumer, the logs and a second dead-lettering can tell."""
        own = [(k, v) for k, v in self.headers if not k.startswith("dlq.") and k != REPLAYED_FROM]
        return [*own, (REPLAYED_FROM, f"{self.topic}/{self.partition}/{self.offset}".encode())]


@dataclass(frozen=True)
class DeadLetterFilter:
    """Which dead letters an operator means: all of them, or those since a time, whose reason
    contains a text (case-insensitive), or at chosen positions."""

    since: datetime | None = None
    error_contains: str | None = None
    positions: frozenset[tuple[int, int]] | None = None  # (partition, offset) of the dead-letter topic

    def admits(self, letter: DeadLetter) -> bool:
        if self.since is not None and letter.timestamp < self.since:
            return False
        if self.error_contains and self.error_contains.casefold() not in letter.error.casefold():
            return False
        return self.positions is None or (letter.partition, letter.offset) in self.positions


async def dlq_depths(settings: Settings, topics: Sequence[str]) -> dict[str, int]:
    """Records held by each of the dead-letter topics of `topics` (deployed names), end minus start."""
    consumer = _reader(settings)
    await consumer.start()
    try:
        depths = {}
        for topic in topics:
            partitions = await _partitions(settings, dlq_topic(topic))
            begins = await consumer.beginning_offsets(partitions) if partitions else {}
            ends = await consumer.end_offsets(partitions) if partitions else {}
            depths[topic] = sum(ends[tp] - begins[tp] for tp in partitions)
        return depths
    finally:
        await consumer.stop()


async def dead_letters(settings: Settings, topic: str, which: DeadLetterFilter = DeadLetterFilter(),
                       ) -> AsyncIterator[DeadLetter]:
    """The dead letters of `topic` (a deployed contract topic) that `which` admits, partition by
    partition in offset order, up to the end each partition had when reading began; nothing held
    in memory beyond one fetch."""
    dlq = dlq_topic(topic)
    consumer = _reader(settings)
    await consumer.start()
    try:
        partitions = await _partitions(settings, dlq)
        if not partitions:
            return
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        if which.since is not None:
            found = await consumer.offsets_for_times({tp: int(which.since.timestamp() * 1000) for tp in partitions})
            starts = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions}
        pending = {tp for tp in partitions if starts[tp] < ends[tp]}
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=500)
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        break
                    letter = DeadLetter(
                        topic=dlq, partition=record.partition, offset=record.offset,
                        timestamp=datetime.fromtimestamp(record.timestamp / 1000, UTC),
                        key=record.key, value=record.value, headers=tuple(record.headers or ()))
                    if which.admits(letter):
                        yield letter
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Replayed:
    letter: DeadLetter
    to_topic: str
    to_partition: int | None = None  # None on a dry run
    to_offset: int | None = None


async def replay(settings: Settings, topic: str, which: DeadLetterFilter, dry_run: bool = False,
                 ) -> list[Replayed]:
    """Produces each admitted dead letter of `topic` to the topic it came from, same key and value,
    its own headers kept (`replay_headers`), and waits for the broker's acks. The consumers' inboxes
    make a replay idempotent: a record already applied changes nothing a second time."""
    producer = None if dry_run else make_producer(settings)
    if producer is not None:
        await producer.start()
    done: list[Replayed] = []
    try:
        async for letter in dead_letters(settings, topic, which):
            if producer is None:
                done.append(Replayed(letter, letter.original_topic))
                continue
            meta = await producer.send_and_wait(letter.original_topic, letter.value, key=letter.key,
                                                headers=letter.replay_headers())
            done.append(Replayed(letter, letter.original_topic, meta.partition, meta.offset))
            log.info("dead letter replayed", extra={"topic": letter.topic, "partition": letter.partition,
                                                    "offset": letter.offset, "to": letter.original_topic})
    finally:
        if producer is not None:
            await producer.stop()
    return done


def _reader(settings: Settings) -> AIOKafkaConsumer:
    # No group: an operator's read moves no one's committed offsets.
    return make_consumer(settings, "dlq-reader", group_id=None, enable_auto_commit=False)


async def _partitions(settings: Settings, topic: str) -> list[TopicPartition]:
    """The topic's partitions, none when it does not exist (a consumer's own metadata lists only
    topics it is assigned)."""
    admin = make_admin(settings)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described["error_code"] != 0:
        return []
    return sorted((TopicPartition(topic, p["partition"]) for p in described["partitions"]), key=lambda tp: tp.partition)
