"""Reading and writing the real topics from tests with plain aiokafka clients."""

import asyncio
import time
from collections.abc import Callable

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - first sight of the topic
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        offsets = await consumer.end_offsets(partitions)
        return {tp.partition: off for tp, off in offsets.items()}
    finally:
        await consumer.stop()


async def read_until(
    bootstrap: str,
    topic: str,
    predicate: Callable[[list[ConsumerRecord]], bool],
    timeout: float = 30,
) -> list[ConsumerRecord]:
    """Reads `topic` from the beginning until `predicate(records so far)` holds, or times out."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False,
        auto_offset_reset="earliest", group_id=None,
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if predicate(records):
                return records
        raise AssertionError(f"timed out after {timeout}s reading {topic}; saw {len(records)} records")
    finally:
        await consumer.stop()


def body(record: ConsumerRecord) -> dict:
    return orjson.loads(record.value)


def header(record: ConsumerRecord, name: str) -> str | None:
    for k, v in record.headers or ():
        if k == name:
            return v.decode()
    return None


async def produce_raw(bootstrap: str, topic: str, value: bytes, key: bytes | None = None,
                      headers: list[tuple[str, bytes]] | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def wait_for(check, timeout: float = 30, interval: float = 0.2):
    """Polls the async `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
