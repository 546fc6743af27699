"""The connector API: a CRM connector set up, its owner mapping imported, its CRM webhooks taken."""

import csv
import io
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Path, Request
from pydantic import TypeAdapter

from schemas.messages import CrmActivityEvent
from schemas.topics import Topic
from services.router.config import RouterSettings, RouterSettingsDep
from services.router.connectors.domain.mappings import DEFAULTS, Connector
from services.router.connectors.domain.notes import CONNECTOR_EVENTS
from services.router.connectors.hubspot_api import HubSpotApi
from services.router.connectors.hubspot_inbound import read_webhook
from services.router.connectors.models import (
    ConnectorIn,
    ConnectorOut,
    CrmWebhookAccepted,
    OwnerIn,
    OwnersOut,
    SkippedEvent,
)
from services.router.connectors.sending import CrmRefused
from services.router.connectors.store import ConnectorRepository, subscription_id
from services.router.connectors.wiring_http import api_base, connector_client, credentials_set, hubspot_token
from services.shared.auth import require_role
from services.shared.body import media_type, parse_json, read_limited, validate_items
from services.shared.deps import NowDep, PoolDep, ProducerDep
from services.shared.edge import edge
from services.shared.errors import ApiError, FieldError, error_responses
from services.shared.producing import encoded_records, produce_acked
from services.shared.responses import JsonResponse
from services.shared.signatures import configured_secrets, verified, verify_hubspot

ConnectorName = Annotated[Connector, Path(description="`hubspot` or `salesforce`")]
_OWNERS = TypeAdapter(OwnerIn)
MAX_OWNERS = 10_000
SOURCE = "handoff/crm-connector"
RETRY_LATER = {"retry-after": "60"}


async def _out(conn: asyncpg.Connection, connector: Connector, settings: RouterSettings) -> ConnectorOut:
    repo = ConnectorRepository(conn)
    mappings = await repo.mappings(connector)
    if mappings is None:
        raise ApiError(404, "not_found", f"connector {connector!r} is not set up: PUT /v1/connectors/{connector}")
    return ConnectorOut(connector=connector, active=await repo.active(connector),
                        credentials_set=credentials_set(settings, connector),
                        subscription_id=subscription_id(connector), event_types=CONNECTOR_EVENTS,
                        owners=len(await repo.owners(connector)), mappings=mappings)


async def _owner_rows(request: Request, limit: int) -> list[OwnerIn]:
    """The owner mapping from text/csv (header `rep_id,owner_id`) or a JSON array; 422 naming each bad row."""
    raw = await read_limited(request, limit)
    if media_type(request) == "text/csv":
        try:
            rows: Any = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ApiError(400, "malformed", f"not UTF-8 CSV: {exc}") from exc
    elif media_type(request) == "application/json":
        rows = parse_json(raw)
        if not isinstance(rows, list):
            raise ApiError(400, "malformed", "send a JSON array of {rep_id, owner_id}")
    else:
        raise ApiError(415, "unsupported_media_type", "send text/csv or application/json")
    return validate_items(_OWNERS, rows, True, MAX_OWNERS, "owner")


def _repeats(owners: list[OwnerIn]) -> list[FieldError]:
    errors, seen = [], {"rep_id": set[str](), "owner_id": set[str]()}
    for index, owner in enumerate(owners):
        for name in ("rep_id", "owner_id"):
            value = getattr(owner, name)
            if value in seen[name]:
                errors.append(FieldError(field=f"[{index}].{name}", message=f"{value!r} is mapped twice"))
            seen[name].add(value)
    return errors


def connectors_router() -> APIRouter:
    router = APIRouter(tags=["crm connectors"])
    ops = [Depends(require_role("ops"))]

    @router.put("/v1/connectors/{connector}", response_model=ConnectorOut, dependencies=ops,
                responses=error_responses(401, 403, 422))
    async def put_connector(connector: ConnectorName, body: ConnectorIn, db: PoolDep,
                            settings: RouterSettingsDep) -> ConnectorOut:
        """Sets a connector up (or changes its mappings, or pauses it): routed leads then set their owner in the CRM."""
        async with db.acquire() as conn, conn.transaction():
            await ConnectorRepository(conn).save(connector, body.mappings or DEFAULTS[connector],
                                                 api_base(settings, connector), CONNECTOR_EVENTS, body.active)
            return await _out(conn, connector, settings)

    @router.get("/v1/connectors/{connector}", response_model=ConnectorOut, dependencies=ops,
                responses=error_responses(401, 403, 404))
    async def get_connector(connector: ConnectorName, db: PoolDep, settings: RouterSettingsDep) -> ConnectorOut:
        """A connector's mappings, whether its credentials are set, and how many reps have a CRM owner."""
        async with db.acquire() as conn:
            return await _out(conn, connector, settings)

    @router.put("/v1/connectors/{connector}/owners", response_model=OwnersOut, dependencies=ops,
                responses=error_responses(400, 401, 403, 404, 413, 415, 422), openapi_extra=edge("key", body="imports"))
    async def put_owners(connector: ConnectorName, request: Request, db: PoolDep,
                         settings: RouterSettingsDep) -> OwnersOut:
        """Replaces which CRM user each rep is, from text/csv (`rep_id,owner_id`) or a JSON array."""
        owners = await _owner_rows(request, settings.max_import_bytes)
        if errors := _repeats(owners):
            raise ApiError(422, "invalid", "each rep and each CRM owner is mapped once", errors)
        async with db.acquire() as conn, conn.transaction():
            repo = ConnectorRepository(conn)
            known = await repo.known_reps([o.rep_id for o in owners])
            unknown = [FieldError(field=f"[{i}].rep_id", message=f"no rep {o.rep_id!r}")
                       for i, o in enumerate(owners) if o.rep_id not in known]
            if unknown:
                raise ApiError(404, "not_found", "unknown rep", unknown)
            await repo.replace_owners(connector, [(o.rep_id, o.owner_id) for o in owners])
        return OwnersOut(connector=connector, owners=owners)

    @router.get("/v1/connectors/{connector}/owners", response_model=OwnersOut, dependencies=ops,
                responses=error_responses(401, 403))
    async def get_owners(connector: ConnectorName, db: PoolDep) -> OwnersOut:
        """Which CRM user each rep is."""
        pairs = await ConnectorRepository(db).owners(connector)
        return OwnersOut(connector=connector, owners=[OwnerIn(rep_id=r, owner_id=o) for r, o in pairs])

    @router.post("/v1/connectors/hubspot/webhooks", status_code=202, response_model=CrmWebhookAccepted,
                 responses=error_responses(400, 401, 404, 413, 415, 429, 503), openapi_extra=edge("signature"))
    async def hubspot_webhooks(request: Request, db: PoolDep, producer: ProducerDep, settings: RouterSettingsDep,
                               now: NowDep) -> JsonResponse:
        """HubSpot CRM webhooks (a JSON array): lead status, lifecycle stage and owner changes, calls, meetings
        and e-mails on contacts; signature v3 (HANDOFF_HUBSPOT_CLIENT_SECRET). 202 once the activities are durable."""
        secrets = configured_secrets(settings, "hubspot_client_secret")
        if media_type(request) != "application/json":
            raise ApiError(415, "unsupported_media_type", "send application/json")
        raw = await read_limited(request, settings.max_body_bytes)
        verified(request, verify_hubspot, secrets, request.method, _signed_uri(request, settings), raw,
                 request.headers.get("x-hubspot-signature-v3"), request.headers.get("x-hubspot-request-timestamp"),
                 now)
        body = parse_json(raw)
        if not isinstance(body, list):
            raise ApiError(400, "malformed", "a HubSpot webhook body is a JSON array of events")
        repo = ConnectorRepository(db)
        mappings = await repo.mappings("hubspot")
        if mappings is None:
            raise ApiError(404, "not_found", "the HubSpot connector is not set up: PUT /v1/connectors/hubspot")
        token = hubspot_token(settings)
        async with connector_client(settings) as client:
            try:
                read = await read_webhook(body, mappings, repo, HubSpotApi(client, settings.hubspot_api_base, token,
                                                                           repo, lambda: now))
            except CrmRefused as exc:  # HubSpot retries a failed webhook request: nothing is lost
                raise ApiError(503, "unavailable", f"cannot read what the events refer to: {exc}",
                               headers=RETRY_LATER) from exc
        events = [CrmActivityEvent(id=a.activity_id, source=SOURCE, subject=a.lead_key, data=a)
                  for a in read.activities]
        records = encoded_records(events, lambda e: e.data.lead_key, settings.kafka_max_message_bytes, is_batch=True)
        await produce_acked(producer, settings.topic(Topic.CRM_ACTIVITY), records)
        answer = CrmWebhookAccepted(accepted=len(events), ids=[e.id for e in events],
                                    skipped=[SkippedEvent(item=i, reason=r) for i, r in read.skipped])
        return JsonResponse(answer.model_dump(), status_code=202)

    return router


def _signed_uri(request: Request, settings: RouterSettings) -> str:
    """The URL HubSpot called: the request's own, or the public base URL's when one is set (a proxy)."""
    if not settings.public_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return settings.public_base_url.rstrip("/") + request.url.path + query
