"""POST /v1/events: CloudEvents in, 202 only once Kafka has them (acks=all)."""

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import ORJSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.messages import EngagementEvent
from schemas.topics import Topic
from services.shared.auth import require_role
from services.shared.body import parse_json, read_limited
from services.shared.cloudevents import BATCH_CONTENT_TYPE, STRUCTURED_HEADERS, encode
from services.shared.deps import ProducerDep, SettingsDep
from services.shared.errors import ApiError, ErrorResponse, field_errors

log = logging.getLogger(__name__)

_ENGAGEMENT = TypeAdapter(EngagementEvent)
MAX_BATCH = 1000


class Accepted(BaseModel):
    accepted: int
    ids: list[str]


def _validate(body: Any, is_batch: bool) -> list[EngagementEvent]:
    items = body if is_batch else [body]
    if is_batch and not isinstance(body, list):
        raise ApiError(400, "malformed", "a batch must be a JSON array of CloudEvents")
    if not items:
        raise ApiError(400, "malformed", "the batch is empty")
    if len(items) > MAX_BATCH:
        raise ApiError(413, "too_large", f"a batch holds at most {MAX_BATCH} events")
    events, errors = [], []
    for index, item in enumerate(items):
        try:
            events.append(_ENGAGEMENT.validate_python(item))
        except ValidationError as exc:
            errors += field_errors(exc, prefix=f"[{index}]" if is_batch else "")
    if errors:
        raise ApiError(422, "invalid", "the event does not match the schema", errors)
    return events


def ingest_router() -> APIRouter:
    router = APIRouter(tags=["ingest"])

    @router.post(
        "/v1/events",
        status_code=202,
        response_model=Accepted,
        responses={s: {"model": ErrorResponse} for s in (400, 401, 403, 413, 415, 422, 503)},
        dependencies=[Depends(require_role("marketing", "ops"))],
    )
    async def post_events(request: Request, producer: ProducerDep, settings: SettingsDep) -> ORJSONResponse:
        """Accepts one CloudEvent (application/cloudevents+json) or a batch (…-batch+json)."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/json", "application/cloudevents+json", BATCH_CONTENT_TYPE):
            raise ApiError(415, "unsupported_media_type",
                           "send application/cloudevents+json or application/cloudevents-batch+json")
        body = parse_json(await read_limited(request, settings.max_body_bytes))
        is_batch = content_type == BATCH_CONTENT_TYPE or isinstance(body, list)
        events = _validate(body, is_batch)
        topic = settings.topic(Topic.ENGAGEMENT)
        try:
            futures = [
                await producer.send(topic, encode(e), key=e.data.lead_key.encode(),
                                    headers=STRUCTURED_HEADERS)
                for e in events
            ]
            await asyncio.gather(*futures)
        except Exception as exc:  # the client must retry: nothing is promised without the ack
            log.warning("ingest failed: Kafka did not acknowledge", extra={"error": repr(exc)})
            raise ApiError(503, "unavailable", "the event log is unavailable; retry later") from exc
        return ORJSONResponse(Accepted(accepted=len(events), ids=[e.id for e in events]).model_dump(),
                              status_code=202)

    return router
