"""POST /v1/webhooks/{mautic,hubspot,segment}: each tool's own signature and shape, into engagement events.

Signed, not API-keyed. Checks in order: secret configured (503), JSON declared (415), size (413),
signature (401), JSON and shape (400); then every mapped item is produced and the answer is 202
once Kafka has them all. A refused request produces nothing.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Request
from fastapi.responses import ORJSONResponse
from pydantic import BaseModel, Field

from services.scorer.ingest.inbound import configured_secret, publish_engagement, require_json, verified
from services.scorer.integrations.common import EmptyBatch, MalformedBody, Mapped
from services.scorer.integrations.hubspot import map_hubspot
from services.scorer.integrations.mappings import Mappings
from services.scorer.integrations.mautic import map_mautic
from services.scorer.integrations.segment import map_segment
from services.scorer.integrations.signatures import verify_hubspot, verify_mautic, verify_segment
from services.shared.body import parse_json, read_limited
from services.shared.config import Settings
from services.shared.deps import NowDep, ProducerDep, SettingsDep
from services.shared.errors import ApiError, error_responses

Mapper = Callable[[Any, datetime], Mapped]
ERRORS = error_responses(400, 401, 413, 415, 503)


class SkippedItem(BaseModel):
    item: str = Field(description="Where it was in the request, e.g. `[3]` or `mautic.page_on_hit[0]`")
    reason: str


class WebhookAccepted(BaseModel):
    accepted: int = Field(description="Events now durable in Kafka")
    ignored: int = Field(description="Items left out: unmapped types, names or properties, or no lead identity")
    ids: list[str] = Field(description="CloudEvent ids of the accepted events (the tool's own ids)")
    skipped: list[SkippedItem] = Field(description="Why each ignored item was left out")


async def signed_body(request: Request, settings: Settings, secret_name: str) -> tuple[str, bytes]:
    """The source's secret and the raw body, after the checks that need no signature."""
    secret = configured_secret(settings, secret_name)
    require_json(request)
    return secret, await read_limited(request, settings.max_body_bytes)


def signed_uri(request: Request, settings: Settings) -> str:
    """The URL the caller used: the request's own, or the public base URL's when one is set (a proxy)."""
    base: str | None = getattr(settings, "public_base_url", None)  # ScorerSettings has it
    if not base:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return base.rstrip("/") + request.url.path + query


async def accept(producer: AIOKafkaProducer, settings: Settings, raw: bytes, mapper: Mapper,
                 now: datetime) -> ORJSONResponse:
    """Maps the body (`now`: when it arrived), produces what it became and answers 202 once Kafka has it."""
    try:
        mapped = mapper(parse_json(raw), now)
    except (MalformedBody, EmptyBatch) as exc:
        raise ApiError(400, "malformed", str(exc)) from exc
    mapped.skip_future(now, settings.clock_skew)
    if mapped.events:
        await publish_engagement(producer, settings, mapped.events)
    body = WebhookAccepted(accepted=len(mapped.events), ignored=len(mapped.skipped), ids=[e.id for e in mapped.events],
                           skipped=[SkippedItem(item=s.item, reason=s.reason) for s in mapped.skipped])
    return ORJSONResponse(body.model_dump(), status_code=202)


def webhooks_router(mappings: Mappings) -> APIRouter:
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

    @router.post("/mautic", status_code=202, response_model=WebhookAccepted, responses=ERRORS)
    async def mautic(request: Request, producer: ProducerDep, settings: SettingsDep,
                     now: NowDep) -> ORJSONResponse:
        """Mautic webhooks, several event types in one body; `Webhook-Signature` (HANDOFF_MAUTIC_SECRET)."""
        secret, raw = await signed_body(request, settings, "mautic_secret")
        verified(verify_mautic, secret, raw, request.headers.get("webhook-signature"))
        return await accept(producer, settings, raw, lambda body, now: map_mautic(body, mappings.mautic, now), now)

    @router.post("/hubspot", status_code=202, response_model=WebhookAccepted, responses=ERRORS)
    async def hubspot(request: Request, producer: ProducerDep, settings: SettingsDep,
                     now: NowDep) -> ORJSONResponse:
        """HubSpot contact events (a JSON array); signature v3 (HANDOFF_HUBSPOT_CLIENT_SECRET), 5 minutes."""
        secret, raw = await signed_body(request, settings, "hubspot_client_secret")
        verified(verify_hubspot, secret, request.method, signed_uri(request, settings), raw,
                 request.headers.get("x-hubspot-signature-v3"), request.headers.get("x-hubspot-request-timestamp"),
                 datetime.now(UTC))
        return await accept(producer, settings, raw, lambda body, now: map_hubspot(body, mappings.hubspot, now), now)

    @router.post("/segment", status_code=202, response_model=WebhookAccepted, responses=ERRORS)
    async def segment(request: Request, producer: ProducerDep, settings: SettingsDep,
                     now: NowDep) -> ORJSONResponse:
        """Segment spec calls (also RudderStack), one or `{"batch": [...]}`; `X-Signature` (HANDOFF_SEGMENT_SECRET)."""
        secret, raw = await signed_body(request, settings, "segment_secret")
        verified(verify_segment, secret, raw, request.headers.get("x-signature"))
        return await accept(producer, settings, raw, lambda body, now: map_segment(body, mappings.segment, now), now)

    return router
