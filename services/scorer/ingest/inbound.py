"""What the inbound routes share: configured secrets, content types, and producing with the broker's ack."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import Request
from opentelemetry.trace import SpanKind
from pydantic import SecretStr

from schemas.messages import EngagementEvent
from services.scorer.integrations.signatures import SignatureError
from services.shared.auth import client_address
from services.shared.body import media_type
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from services.shared.config import Settings
from services.shared.errors import ApiError
from services.shared.state import service_state
from services.shared.tracing import caused, context_of, hop, stamped

log = logging.getLogger(__name__)


def configured_secret(settings: Settings, name: str) -> str:
    """The value of the secret setting `name`, or 503 naming the variable that turns the source on."""
    secret: SecretStr | None = getattr(settings, name, None)  # a secret setting of the service's own
    if secret is None or not secret.get_secret_value():
        raise ApiError(503, "not_configured",
                       f"HANDOFF_{name.upper()} is not set: requests from this source cannot be verified, "
                       "so they are refused until it is")
    return secret.get_secret_value()


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON (application/json or a +json type)."""
    kind = media_type(request)
    if kind != "application/json" and not (kind.startswith("application/") and kind.endswith("+json")):
        raise ApiError(415, "unsupported_media_type", "send application/json")


def verified(request: Request, check: Callable[..., None], *args: Any) -> None:
    """Runs a signature check; a failure is 401, counted against the caller's address (the edge
    refuses it with 429 after too many)."""
    try:
        check(*args)
    except SignatureError as exc:
        service_state(request).keys.record_failure(client_address(request))
        raise ApiError(401, "unauthorized", str(exc)) from exc


async def publish_engagement(producer: AIOKafkaProducer, topic: str, events: Sequence[EngagementEvent],
                             traceparent: str | None = None) -> None:
    """Produces `events` keyed by lead key and returns once Kafka acknowledged every one, else 503.

    Each event goes on in the trace it came with (its `traceparent`), else in the request's (the
    `traceparent` header), else in a new one begun here."""
    with hop("handoff.ingest", traceparent=traceparent, kind=SpanKind.SERVER,
             attributes={"messaging.destination.name": topic, "messaging.batch.message_count": len(events)}) as span:
        events = [caused("handoff.ingest.event", e, e) if context_of(e) else stamped(e, span) for e in events]
        await _produce(producer, topic, events)


async def _produce(producer: AIOKafkaProducer, topic: str, events: Sequence[EngagementEvent]) -> None:
    try:
        futures = [
            await producer.send(topic, encode(e), key=e.data.lead_key.encode(), headers=STRUCTURED_HEADERS)
            for e in events
        ]
        await asyncio.gather(*futures)
    except Exception as exc:  # the client must retry: nothing is promised without the ack
        log.warning("ingest failed: Kafka did not acknowledge", extra={"error": repr(exc)})
        raise ApiError(503, "unavailable", "the event log is unavailable; retry later") from exc
