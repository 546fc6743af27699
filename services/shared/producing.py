"""Producing what a request brought: every record checked against the broker's size limit first, then sent
and acknowledged (acks=all) before the request is answered."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from aiokafka import AIOKafkaProducer

from schemas.envelope import CloudEvent
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from services.shared.errors import ApiError, FieldError

log = logging.getLogger(__name__)
E = TypeVar("E", bound=CloudEvent)
_HEADERS_SIZE = sum(len(name) + len(value) for name, value in STRUCTURED_HEADERS)


def encoded_records(events: Sequence[E], key_of: Callable[[E], str], limit: int,
                    *, is_batch: bool) -> list[tuple[bytes, bytes]]:
    """(key, value) of each event; 413 naming each one whose record would exceed `limit` bytes.

    The client's error, not the broker's: it would refuse the record on every retry, so this is
    checked before anything is sent (a batch is all or nothing)."""
    records = [(key_of(e).encode(), encode(e)) for e in events]
    too_large = [FieldError(field=f"[{i}]" if is_batch else "(body)",
                            message=f"encodes to {size} bytes; a record holds at most {limit}")
                 for i, (key, value) in enumerate(records)
                 if (size := len(key) + len(value) + _HEADERS_SIZE) > limit]
    if too_large:
        raise ApiError(413, "too_large", f"an event is larger than the event log takes ({limit} bytes)", too_large)
    return records


async def produce_acked(producer: AIOKafkaProducer, topic: str, records: Sequence[tuple[bytes, bytes]]) -> None:
    """Sends `records` and returns once Kafka acknowledged every one, else 503 (the client retries)."""
    try:
        futures = [await producer.send(topic, value, key=key, headers=STRUCTURED_HEADERS) for key, value in records]
        await asyncio.gather(*futures)
    except Exception as exc:  # the client must retry: nothing is promised without the ack
        log.warning("not acknowledged by Kafka", extra={"topic": topic, "error": repr(exc)})
        raise ApiError(503, "unavailable", "the event log is unavailable; retry later") from exc
