"""POST /v1/webhooks/{mautic,hubspot,segment}: each tool's own signature and shape, into engagement events.

Signed, not API-keyed. Checks in order: secret configured (503), JSON declared (415), size (413),
signature (401), JSON and shape (400), for Mautic and Segment the signed body's time (401 when
older than the source's tolerance) and the replay guard (a body taken before within it: 202,
`duplicate`, nothing produced); then every mapped item is produced and the answer is 202 once
Kafka has them all. A refused request produces nothing.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.scorer.config import ScorerSettings, ScorerSettingsDep
from services.scorer.ingest.inbound import (
    configured_secrets,
    publish_engagement,
    require_json,
    undeclared_kinds,
    verified,
)
from services.scorer.ingest.replays import ReplayGuard
from services.scorer.integrations.common import EmptyBatch, MalformedBody, Mapped
from services.scorer.integrations.freshness import mautic_sent_at, segment_sent_at, staleness
from services.scorer.integrations.hubspot import map_hubspot
from services.scorer.integrations.mappings import Mappings
from services.scorer.integrations.mautic import map_mautic
from services.scorer.integrations.segment import map_segment
from services.scorer.integrations.signatures import verify_hubspot, verify_mautic, verify_segment
from services.shared.body import parse_json, read_limited
from services.shared.config import Settings
from services.shared.deps import NowDep, PoolDep, ProducerDep, SettingsDep
from services.shared.edge import edge
from services.shared.errors import ApiError, error_responses
from services.shared.responses import JsonResponse

Mapper = Callable[[Any, datetime], Mapped]
SentAt = Callable[[Any], datetime | None]
ERRORS = error_responses(400, 401, 413, 415, 429, 503)
SIGNED = edge("signature")


class SkippedItem(BaseModel):
    item: str = Field(description="Where it was in the request, e.g. `[3]` or `mautic.page_on_hit[0]`")
    reason: str


class WebhookAccepted(BaseModel):
    accepted: int = Field(description="Events now durable in Kafka")
    duplicate: bool = Field(default=False, description="The same signed body was taken before: nothing produced")
    ignored: int = Field(description="Items left out: unmapped types, names or properties, or no lead identity")
    undeclared: int = Field(default=0, description="Accepted events of an activity the agreement in force does "
                                                   "not declare: kept, but scoring nothing until it does")
    undeclared_kinds: list[str] = Field(default_factory=list, description="Those activities, each once, sorted")
    ids: list[str] = Field(description="CloudEvent ids of the accepted events (the tool's own ids)")
    skipped: list[SkippedItem] = Field(description="Why each ignored item was left out")


async def signed_body(request: Request, settings: Settings, secret_name: str) -> tuple[list[str], bytes]:
    """The source's secrets (newest first) and the raw body, after the checks that need no signature."""
    secrets = configured_secrets(settings, secret_name)
    require_json(request)
    return secrets, await read_limited(request, settings.max_body_bytes)


def signed_uri(request: Request, settings: Settings) -> str:
    """The URL the caller used: the request's own, or the public base URL's when one is set (a proxy)."""
    base: str | None = getattr(settings, "public_base_url", None)  # ScorerSettings has it
    if not base:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return base.rstrip("/") + request.url.path + query


def mapped_body(body: Any, mapper: Mapper, settings: Settings, now: datetime) -> Mapped:
    """What the body becomes (`now`: when it arrived), items dated past the clock skew left out, or
    400 saying why it cannot."""
    try:
        mapped = mapper(body, now)
    except (MalformedBody, EmptyBatch) as exc:
        raise ApiError(400, "malformed", str(exc)) from exc
    mapped.skip_future(now, settings.clock_skew)
    return mapped


async def produced(request: Request, producer: AIOKafkaProducer, settings: Settings, mapped: Mapped) -> JsonResponse:
    """Produces what the body became and answers 202 once Kafka has it."""
    if mapped.events:
        await publish_engagement(producer, settings, mapped.events)
    undeclared = undeclared_kinds(request, mapped.events)
    answer = WebhookAccepted(accepted=len(mapped.events), ignored=len(mapped.skipped), undeclared=len(undeclared),
                             undeclared_kinds=sorted(set(undeclared)),
                             ids=[e.id for e in mapped.events],
                             skipped=[SkippedItem(item=s.item, reason=s.reason) for s in mapped.skipped])
    return JsonResponse(answer.model_dump(), status_code=202)


async def accept_once(request: Request, db: asyncpg.Pool, producer: AIOKafkaProducer, settings: ScorerSettings,
                      raw: bytes, source: str, sent_at: SentAt, mapper: Mapper, now: datetime) -> JsonResponse:
    """For a tool that signs its body only: refused when the body's time is outside the source's
    tolerance, answered as a duplicate when the same body was taken within it."""
    body = parse_json(raw)
    mapped = mapped_body(body, mapper, settings, now)
    tolerance = timedelta(seconds=getattr(settings, f"{source}_replay_tolerance_s"))
    problem = staleness(sent_at(body), now, tolerance, "send time")
    if problem:
        raise ApiError(401, "stale", problem)
    guard = ReplayGuard(db)
    if await guard.seen(source, raw, tolerance):
        duplicate = WebhookAccepted(accepted=0, ignored=0, ids=[], skipped=[], duplicate=True)
        return JsonResponse(duplicate.model_dump(), status_code=202)
    answer = await produced(request, producer, settings, mapped)
    await guard.taken(source, raw, tolerance)  # after the ack: a request that failed may come again
    return answer


def webhooks_router(mappings: Mappings) -> APIRouter:
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

    @router.post("/mautic", status_code=202, response_model=WebhookAccepted, responses=ERRORS,
                 openapi_extra=SIGNED)
    async def mautic(request: Request, producer: ProducerDep, settings: ScorerSettingsDep,
                     db: PoolDep, now: NowDep) -> JsonResponse:
        """Mautic webhooks, several event types in one body; `Webhook-Signature` (HANDOFF_MAUTIC_SECRET)."""
        secrets, raw = await signed_body(request, settings, "mautic_secret")
        verified(request, verify_mautic, secrets, raw, request.headers.get("webhook-signature"))
        return await accept_once(request, db, producer, settings, raw, "mautic", mautic_sent_at,
                                 lambda body, at: map_mautic(body, mappings.mautic, at), now)

    @router.post("/hubspot", status_code=202, response_model=WebhookAccepted, responses=ERRORS,
                 openapi_extra=SIGNED)
    async def hubspot(request: Request, producer: ProducerDep, settings: SettingsDep,
                      now: NowDep) -> JsonResponse:
        """HubSpot contact events (a JSON array); signature v3 (HANDOFF_HUBSPOT_CLIENT_SECRET), 5 minutes."""
        secrets, raw = await signed_body(request, settings, "hubspot_client_secret")
        verified(request, verify_hubspot, secrets, request.method, signed_uri(request, settings), raw,
                 request.headers.get("x-hubspot-signature-v3"), request.headers.get("x-hubspot-request-timestamp"),
                 datetime.now(UTC))
        mapped = mapped_body(parse_json(raw), lambda body, at: map_hubspot(body, mappings.hubspot, at), settings, now)
        return await produced(request, producer, settings, mapped)

    @router.post("/segment", status_code=202, response_model=WebhookAccepted, responses=ERRORS,
                 openapi_extra=SIGNED)
    async def segment(request: Request, producer: ProducerDep, settings: ScorerSettingsDep,
                      db: PoolDep, now: NowDep) -> JsonResponse:
        """Segment spec calls (also RudderStack), one or `{"batch": [...]}`; `X-Signature` (HANDOFF_SEGMENT_SECRET)."""
        secrets, raw = await signed_body(request, settings, "segment_secret")
        verified(request, verify_segment, secrets, raw, request.headers.get("x-signature"))
        return await accept_once(request, db, producer, settings, raw, "segment", segment_sent_at,
                                 lambda body, at: map_segment(body, mappings.segment, at), now)

    return router
