"""Dead-letter routing: a record that cannot be processed goes to `<topic>.dlq` with the reason."""

import logging

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from schemas.topics import dlq_topic

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
