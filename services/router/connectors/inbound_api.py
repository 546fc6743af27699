"""What CRMs post back: HubSpot CRM webhooks, Salesforce Flow callouts and Outbound Messages, as CRM activities.

Each answers only once the activities are durable in Kafka; a CRM whose request failed sends it
again (HubSpot and Salesforce both retry), and the activity ids make the retry count once.
"""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter

from services.router.config import RouterSettings, RouterSettingsDep
from services.router.connectors.domain.salesforce import ACK, NotOutboundMessage, RecordChanged, read_outbound_message
from services.router.connectors.hubspot_api import HubSpotApi
from services.router.connectors.hubspot_inbound import read_webhook
from services.router.connectors.models import CrmWebhookAccepted, SalesforceChange, SkippedEvent
from services.router.connectors.publishing import Read, publish
from services.router.connectors.salesforce_inbound import read_changes
from services.router.connectors.sending import CrmRefused
from services.router.connectors.store import ConnectorRepository
from services.router.connectors.wiring_http import connector_client, hubspot_token
from services.shared.auth import require_role
from services.shared.body import media_type, parse_json, read_limited, validate_items
from services.shared.deps import NowDep, PoolDep, ProducerDep
from services.shared.edge import edge
from services.shared.errors import ApiError, error_responses
from services.shared.responses import JsonResponse
from services.shared.signatures import SignatureError, configured_secrets, verified, verify_hubspot

RETRY_LATER = {"retry-after": "60"}
OutboundToken = Annotated[str, Query(max_length=200, description="HANDOFF_SALESFORCE_OUTBOUND_TOKEN")]
_CHANGE = TypeAdapter(SalesforceChange)
MAX_CHANGES = 200


def _accepted(ids: list[str], read: Read) -> JsonResponse:
    answer = CrmWebhookAccepted(accepted=len(ids), ids=ids,
                                skipped=[SkippedEvent(item=i, reason=r) for i, r in read.skipped])
    return JsonResponse(answer.model_dump(), status_code=202)


def _token_matches(expected: str, presented: str) -> None:
    """Salesforce signs no Outbound Message: the secret token in the URL it was given is the check."""
    if not hmac.compare_digest(expected.encode(), presented.encode()):
        raise SignatureError("the token of the Outbound Message's URL does not match")


def _json_only(request: Request) -> None:
    if media_type(request) != "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json")


async def _mappings(repo: ConnectorRepository, connector: str) -> Any:
    found = await repo.mappings(connector)
    if found is None:
        raise ApiError(404, "not_found", f"the {connector} connector is not set up: PUT /v1/connectors/{connector}")
    return found


def _signed_uri(request: Request, settings: RouterSettings) -> str:
    """The URL HubSpot called: the request's own, or the public base URL's when one is set (a proxy)."""
    if not settings.public_base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return settings.public_base_url.rstrip("/") + request.url.path + query


def crm_inbound_router() -> APIRouter:
    router = APIRouter(tags=["crm connectors"])

    @router.post("/v1/connectors/hubspot/webhooks", status_code=202, response_model=CrmWebhookAccepted,
                 responses=error_responses(400, 401, 404, 413, 415, 429, 503), openapi_extra=edge("signature"))
    async def hubspot_webhooks(request: Request, db: PoolDep, producer: ProducerDep, settings: RouterSettingsDep,
                               now: NowDep) -> JsonResponse:
        """HubSpot CRM webhooks (a JSON array): lead status, lifecycle stage and owner changes, calls, meetings
        and e-mails on contacts; signature v3 (HANDOFF_HUBSPOT_CLIENT_SECRET). 202 once the activities are durable."""
        secrets = configured_secrets(settings, "hubspot_client_secret")
        _json_only(request)
        raw = await read_limited(request, settings.max_body_bytes)
        verified(request, verify_hubspot, secrets, request.method, _signed_uri(request, settings), raw,
                 request.headers.get("x-hubspot-signature-v3"), request.headers.get("x-hubspot-request-timestamp"),
                 now)
        body = parse_json(raw)
        if not isinstance(body, list):
            raise ApiError(400, "malformed", "a HubSpot webhook body is a JSON array of events")
        repo = ConnectorRepository(db)
        mappings = await _mappings(repo, "hubspot")
        async with connector_client(settings) as client:
            api = HubSpotApi(client, settings.hubspot_api_base, hubspot_token(settings), repo, lambda: now)
            try:
                read = await read_webhook(body, mappings, repo, api)
            except CrmRefused as exc:  # HubSpot retries a failed webhook request: nothing is lost
                raise ApiError(503, "unavailable", f"cannot read what the events refer to: {exc}",
                               headers=RETRY_LATER) from exc
        return _accepted(await publish(producer, settings, read), read)

    @router.post("/v1/connectors/salesforce/events", status_code=202, response_model=CrmWebhookAccepted,
                 responses=error_responses(400, 401, 403, 404, 413, 415, 422, 503),
                 dependencies=[Depends(require_role("sales", "ops"))])
    async def salesforce_events(request: Request, db: PoolDep, producer: ProducerDep,
                                settings: RouterSettingsDep) -> JsonResponse:
        """What a Salesforce Flow posts (one change or an array): a Lead's status, a Task or Event logged on it."""
        _json_only(request)
        body = parse_json(await read_limited(request, settings.max_body_bytes))
        is_batch = isinstance(body, list)
        changes = validate_items(_CHANGE, body if is_batch else [body], is_batch, MAX_CHANGES, "change")
        repo = ConnectorRepository(db)
        mappings = await _mappings(repo, "salesforce")
        records = [RecordChanged(f"salesforce:{c.event_id}", c.object, c.lead_id, c.email, c.fields, c.occurred_at)
                   for c in changes]
        read = await read_changes(records, mappings, repo)
        return _accepted(await publish(producer, settings, read), read)

    @router.post("/v1/connectors/salesforce/outbound-messages", response_class=Response,
                 responses={200: {"content": {"text/xml": {}}, "description": "The acknowledgement Salesforce expects"},
                            **error_responses(400, 401, 404, 413, 415, 429, 503)}, openapi_extra=edge("signature"))
    async def salesforce_outbound_messages(
            request: Request, db: PoolDep, producer: ProducerDep, settings: RouterSettingsDep, now: NowDep,
            token: OutboundToken = "") -> Response:
        """Salesforce Outbound Messages (SOAP); acknowledged with `<Ack>true</Ack>` once the activities are durable."""
        expected = configured_secrets(settings, "salesforce_outbound_token")
        verified(request, _token_matches, expected, token)
        if media_type(request) not in ("text/xml", "application/xml"):
            raise ApiError(415, "unsupported_media_type", "send text/xml (a SOAP Outbound Message)")
        try:
            org, records = read_outbound_message(await read_limited(request, settings.max_body_bytes), now)
        except NotOutboundMessage as exc:
            raise ApiError(400, "malformed", str(exc)) from exc
        if settings.salesforce_org_id and org != settings.salesforce_org_id:
            raise ApiError(401, "unauthorized", "the Outbound Message is from another org (OrganizationId)")
        repo = ConnectorRepository(db)
        read = await read_changes(records, await _mappings(repo, "salesforce"), repo)
        await publish(producer, settings, read)
        return Response(ACK, media_type="text/xml")

    return router
