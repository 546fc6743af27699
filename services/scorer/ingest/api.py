"""POST /v1/events: CloudEvents in, 202 only once Kafka has them (acks=all).

The hot path of the whole service: the scorer serves it ahead of FastAPI's routing
(`services/shared/direct.py`), so the endpoint takes the request alone and makes its own checks
(NUL guard, key or signature, media type, size, schema), in the order the dependencies did.
"""

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, TypeAdapter

from schemas.bounds import arrival_context
from schemas.messages import EngagementEvent
from services.scorer.ingest.inbound import configured_secrets, publish_engagement, undeclared_kinds, verified
from services.scorer.integrations.signatures import STANDARD_HEADERS, standard_webhook, verify_standard
from services.shared.auth import Principal, require_role
from services.shared.body import media_type, parse_json, read_limited, validate_items
from services.shared.cloudevents import BATCH_CONTENT_TYPE, http_binary_attributes, is_json_media_type
from services.shared.config import Settings
from services.shared.edge import edge
from services.shared.errors import ApiError, error_responses, refuse_nul_characters
from services.shared.state import service_state

_ENGAGEMENT = TypeAdapter(EngagementEvent)
MAX_BATCH = 1000
KEY_ROLES = ("marketing", "ops")
_KEYED = require_role(*KEY_ROLES)
_ACCEPTED_TYPES = ("application/json", "application/cloudevents+json", BATCH_CONTENT_TYPE)
_SIGNED_BY = frozenset(name.encode() for name in STANDARD_HEADERS)


class Accepted(BaseModel):
    accepted: int = Field(description="Events now durable in Kafka, the ignored ones included")
    ids: list[str]
    ignored: int = Field(description="Accepted events of an activity the agreement in force does not declare: "
                                     "kept, and named in the lead's score mismatches, but scoring nothing")
    undeclared_kinds: list[str] = Field(description="Those activities, each once, sorted")


def _validate(body: Any, is_batch: bool, context: dict[str, Any]) -> list[EngagementEvent]:
    if is_batch and not isinstance(body, list):
        raise ApiError(400, "malformed", "a batch must be a JSON array of CloudEvents")
    return validate_items(_ENGAGEMENT, body if is_batch else [body], is_batch, MAX_BATCH, "event", context)


async def _caller(request: Request, settings: Settings) -> Principal | None:
    """None for a Standard Webhooks request (its signature is checked with the body), else the API key's caller."""
    # ASGI header names arrive lower-cased: one pass over them, not one Headers scan per name.
    if _SIGNED_BY.isdisjoint(name for name, _ in request.scope["headers"]):
        return await _KEYED(request)
    configured_secrets(settings, "webhook_secret")  # 503 before anything is read
    return None


def _verify_signed(request: Request, raw: bytes, secrets: list[str]) -> None:
    try:
        webhooks = [standard_webhook(secret) for secret in secrets]
    except ValueError as exc:
        raise ApiError(503, "not_configured", f"HANDOFF_WEBHOOK_SECRET is {exc}") from exc
    verified(request, verify_standard, webhooks, raw, request.headers, datetime.now(UTC))


async def post_events(request: Request) -> Response:
    """One CloudEvent in structured (application/cloudevents+json) or binary mode (ce-* headers, JSON data),
    or a batch (…-batch+json); API key or Standard Webhooks."""
    runtime = service_state(request).runtime
    settings = runtime.settings
    if request.scope["query_string"]:
        await refuse_nul_characters(request)
    caller = await _caller(request, settings)
    content_type = media_type(request)
    binary = http_binary_attributes(request.scope["headers"])  # the HTTP binding's default mode: ce-* headers
    if binary is not None and not is_json_media_type(content_type):
        raise ApiError(415, "unsupported_media_type",
                       "a binary-mode event's data must be JSON (content-type application/json or */*+json)")
    if binary is None and content_type not in _ACCEPTED_TYPES:
        raise ApiError(415, "unsupported_media_type",
                       "send application/cloudevents+json, application/cloudevents-batch+json,"
                       " or a binary-mode CloudEvent (ce-* headers, JSON data)")
    raw = await read_limited(request, settings.max_body_bytes)
    if caller is None:
        _verify_signed(request, raw, configured_secrets(settings, "webhook_secret"))
    body = parse_json(raw)
    if binary is not None:
        body, is_batch = {**binary, "data": body}, False
    else:
        is_batch = content_type == BATCH_CONTENT_TYPE or isinstance(body, list)
    events = _validate(body, is_batch, arrival_context(service_state(request).clock(), settings.clock_skew))
    await publish_engagement(runtime.producer, settings, events, is_batch=is_batch,
                             traceparent=request.headers.get("traceparent"))
    undeclared = undeclared_kinds(request, events)
    return Response(orjson.dumps({"accepted": len(events), "ids": [e.id for e in events], "ignored": len(undeclared),
                                  "undeclared_kinds": sorted(set(undeclared))}), status_code=202,
                    media_type="application/json")


def ingest_router() -> APIRouter:
    router = APIRouter(tags=["ingest"])
    router.add_api_route(
        "/v1/events", post_events, methods=["POST"],
        status_code=202,
        response_model=Accepted,
        responses=error_responses(400, 401, 403, 413, 415, 422, 429, 503),
        openapi_extra=edge("key_or_signature", roles=KEY_ROLES),
    )
    return router
