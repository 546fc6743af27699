"""POST /v1/crm/activities: what reps did, checked here, then durable on the CRM activity topic."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, TypeAdapter

from schemas.events import CrmActivityRecorded
from schemas.messages import CrmActivityEvent
from schemas.topics import Topic
from services.agreement.deps import AgreementDep
from services.router.config import RouterSettings, RouterSettingsDep
from services.router.crm.domain.activities import currency_problems, problems
from services.router.crm.store import ActivityRepository
from services.shared.auth import require_role
from services.shared.body import media_type, parse_json, read_limited, validate_items
from services.shared.cloudevents import (
    BATCH_CONTENT_TYPE,
    STRUCTURED_CONTENT_TYPE,
    http_binary_attributes,
    is_json_media_type,
)
from services.shared.deps import NowDep, PoolDep, ProducerDep
from services.shared.errors import ApiError, FieldError, error_responses
from services.shared.producing import encoded_records, produce_acked
from services.shared.responses import JsonResponse

_ACTIVITY = TypeAdapter(CrmActivityRecorded)
_EVENT = TypeAdapter(CrmActivityEvent)
MAX_BATCH = 500
SOURCE = "handoff/crm-api"


class ActivitiesAccepted(BaseModel):
    accepted: int
    ids: list[str]
    duplicates: list[str] = []  # activity ids already recorded: accepted once, ignored after


def _parse(body: Any) -> tuple[list[CrmActivityRecorded], bool]:
    is_batch = isinstance(body, list)
    return validate_items(_ACTIVITY, body if is_batch else [body], is_batch, MAX_BATCH, "activity"), is_batch


def _parse_cloudevents(request: Request, content_type: str, body: Any) -> tuple[list[CrmActivityRecorded], bool]:
    """`handoff.crm.activity` CloudEvents in any mode of the HTTP binding: binary (ce-* headers, the
    activity as the body), structured, or batched; the activities are their `data`."""
    binary = http_binary_attributes(request.scope["headers"])
    if binary is not None:
        body, is_batch = {**binary, "data": body}, False
    else:
        is_batch = content_type == BATCH_CONTENT_TYPE
    items = body if is_batch and isinstance(body, list) else [body]
    events = validate_items(_EVENT, items, is_batch, MAX_BATCH, "activity")
    return [e.data for e in events], is_batch


def _where(is_batch: bool, index: int, field: str, prefix: str = "") -> str:
    return f"[{index}].{prefix}{field}" if is_batch else f"{prefix}{field}"


def crm_router() -> APIRouter:
    router = APIRouter(tags=["crm"])

    @router.post(
        "/v1/crm/activities", status_code=202, response_model=ActivitiesAccepted,
        responses=error_responses(400, 401, 403, 404, 413, 415, 422, 503),
        dependencies=[Depends(require_role("sales", "ops"))],
    )
    async def post_activities(request: Request, pool: PoolDep, producer: ProducerDep, settings: RouterSettingsDep,
                              active: AgreementDep, now: NowDep) -> JsonResponse:
        """Records one CRM activity or a JSON array of them; 202 once they are durable in Kafka. A
        `handoff.crm.activity` CloudEvent is taken too, in binary, structured or batched mode."""
        content_type = media_type(request)
        cloudevent = content_type in (STRUCTURED_CONTENT_TYPE, BATCH_CONTENT_TYPE) or (
            http_binary_attributes(request.scope["headers"]) is not None)
        if content_type != "application/json" and not cloudevent:
            raise ApiError(415, "unsupported_media_type", "send application/json, or a handoff.crm.activity"
                                                          " CloudEvent (structured, batched or binary mode)")
        if cloudevent and content_type not in (STRUCTURED_CONTENT_TYPE, BATCH_CONTENT_TYPE) and (
                not is_json_media_type(content_type)):
            raise ApiError(415, "unsupported_media_type", "a binary-mode event's data must be JSON")
        body = parse_json(await read_limited(request, settings.max_body_bytes))
        activities, is_batch = _parse_cloudevents(request, content_type, body) if cloudevent else _parse(body)
        prefix = "data." if cloudevent else ""  # what the caller sent: the activity is the event's data
        reasons = active.document.rejection_reasons if active else None
        skew = settings.clock_skew
        errors = [FieldError(field=_where(is_batch, i, field, prefix), message=message)
                  for i, a in enumerate(activities) for field, message in problems(a, reasons, now, skew)]
        async with pool.acquire() as conn:
            repo = ActivityRepository(conn)
            if any(a.currency for a in activities):
                known = {settings.reporting_currency, *await repo.rated_currencies()}
                errors += [FieldError(field=_where(is_batch, i, field, prefix), message=message)
                           for i, a in enumerate(activities) for field, message in currency_problems(a, known)]
            if errors:
                raise ApiError(422, "invalid", "the activity cannot be accepted", errors)
            routed = await repo.routed_leads([a.lead_key for a in activities])
            reps = await repo.known_reps([a.rep_id for a in activities if a.rep_id])
            recorded = await repo.recorded_activities([a.activity_id for a in activities])
        unknown = [FieldError(field=_where(is_batch, i, "lead_key", prefix), message=f"no routed lead {a.lead_key!r}")
                   for i, a in enumerate(activities) if a.lead_key not in routed]
        unknown += [FieldError(field=_where(is_batch, i, "rep_id", prefix), message=f"no rep {a.rep_id!r}")
                    for i, a in enumerate(activities) if a.rep_id and a.rep_id not in reps]
        if unknown:
            raise ApiError(404, "not_found", "unknown lead or rep", unknown)
        records = _records(settings, activities, is_batch)
        fresh: list[CrmActivityRecorded] = []
        duplicates: list[CrmActivityRecorded] = []
        to_send: list[tuple[bytes, bytes]] = []
        seen = set(recorded)
        for activity, record in zip(activities, records, strict=True):
            if activity.activity_id in seen:
                duplicates.append(activity)
            else:
                fresh.append(activity)
                to_send.append(record)
            seen.add(activity.activity_id)
        await produce_acked(producer, settings.topic(Topic.CRM_ACTIVITY), to_send)
        body = ActivitiesAccepted(accepted=len(fresh), ids=[a.activity_id for a in fresh],
                                  duplicates=[a.activity_id for a in duplicates])
        return JsonResponse(body.model_dump(), status_code=202)

    return router


def _lead_key(event: CrmActivityEvent) -> str:
    return event.data.lead_key


def _records(settings: RouterSettings, activities: list[CrmActivityRecorded],
             is_batch: bool) -> list[tuple[bytes, bytes]]:
    """Each activity as a record (key, value); 413 naming the one too large for the event log."""
    events = [CrmActivityEvent(id=a.activity_id, source=SOURCE, subject=a.lead_key, data=a) for a in activities]
    return encoded_records(events, _lead_key, settings.kafka_max_message_bytes, is_batch=is_batch)
