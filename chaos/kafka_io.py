"""The harness's own Kafka clients: a producer that outlasts broker restarts, topic reads, and lag."""

import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord

log = logging.getLogger(__name__)

Item = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers


class Sender:
    """Sends until the broker acknowledges; what failed is sent again (same bytes, same event ids)."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None
        self.resent = 0  # records sent again after a failure (the broker may have had some already)

    async def send_all(self, topic: str, items: list[Item]) -> None:
        pending = items
        while pending:
            try:
                producer = await self._open()
                futures = [await producer.send(topic, value, key=key, headers=headers)
                           for key, value, headers in pending]
                results = await asyncio.gather(*futures, return_exceptions=True)
                failed = [item for item, result in zip(pending, results) if isinstance(result, Exception)]
            except Exception as exc:  # the broker is away: which records got through is unknown
                log.info("send failed; retrying", extra={"error": repr(exc)})
                failed = pending
            if failed:
                self.resent += len(failed)
                await self.close()
                await asyncio.sleep(1)
            pending = failed

    async def _open(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(bootstrap_servers=self._bootstrap, enable_idempotence=True, linger_ms=5,
                                        request_timeout_ms=10_000)
            await producer.start()
            self._producer = producer
        return self._producer

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), 5)
            except Exception:  # a producer of a broker that went away: nothing left to flush
                pass


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()  # noqa: SLF001 - first sight of the topic
        found = consumer.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(found)]


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [tp for t in topics for tp in await _partitions(consumer, t)]
        return await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()


async def read_topic(bootstrap: str, topic: str, timeout_s: float = 120) -> list[ConsumerRecord]:
    """Every record of `topic` up to its end offsets at the time of the call."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=4 << 20)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic)
        ends = await consumer.end_offsets(partitions)
        wanted = [tp for tp in partitions if ends[tp] > 0]
        if not wanted:
            return []
        consumer.assign(wanted)
        await consumer.seek_to_beginning(*wanted)
        records: list[ConsumerRecord] = []
        async with asyncio.timeout(timeout_s):
            while [tp for tp in wanted if await consumer.position(tp) < ends[tp]]:
                batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
                for recs in batch.values():
                    records += recs
        return records
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class GroupLag:
    """How far one consumer group is behind on its topic."""

    group: str
    topic: str
    lag: int  # records not yet committed, over all partitions
    committed: int


async def group_lags(bootstrap: str, groups: dict[str, str]) -> list[GroupLag]:
    """For each consumer group (-> its topic): end offsets minus committed offsets."""
    ends = await end_offsets(bootstrap, sorted(set(groups.values())))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        out = []
        for group, topic in groups.items():
            offsets = await admin.list_consumer_group_offsets(group)
            done = {tp: max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic == topic}
            mine = {tp: end for tp, end in ends.items() if tp.topic == topic}
            out.append(GroupLag(group, topic, sum(end - done.get(tp, 0) for tp, end in mine.items()),
                                sum(done.values())))
        return out
    finally:
        await admin.close()


def header(record: ConsumerRecord, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode(errors="replace")
    return None
