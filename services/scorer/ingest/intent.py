"""POST /v1/intent: account-level intent signals, JSON or CSV as intent providers export them, onto
`handoff.intent.v1` (202 only once Kafka has them).

A signal's event id is derived from what it says (provider, account, topic, observed_at), so an
export uploaded twice, or a provider's overlapping weekly files, counts each signal once.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from schemas.bounds import arrival_context
from schemas.events import IntentRecorded
from schemas.messages import IntentEvent
from schemas.topics import Topic
from services.scorer.integrations.common import EmptyBatch, MalformedBody
from services.scorer.integrations.intent_csv import parse_intent_csv
from services.shared.auth import Principal, require_role
from services.shared.body import media_type, parse_json, read_limited
from services.shared.deps import NowDep, ProducerDep, SettingsDep
from services.shared.edge import edge
from services.shared.errors import ApiError, error_responses, field_errors
from services.shared.ids import derived_id
from services.shared.producing import encoded_records, produce_acked
from services.shared.responses import JsonResponse

SOURCE = "handoff/intent"
MAX_SIGNALS = 10_000
_SIGNAL = TypeAdapter(IntentRecorded)
Sender = Annotated[Principal, Depends(require_role("marketing", "ops"))]


class IntentAccepted(BaseModel):
    accepted: int = Field(description="Signals now durable in Kafka")
    ids: list[str] = Field(description="Their CloudEvent ids (derived from provider, account, topic, observed_at)")


def _items(raw: bytes, content_type: str, provider: str | None) -> tuple[list[Any], str]:
    """The request's signals as dicts, and how to name one in an error (`[3]` or `line 4`)."""
    if content_type == "text/csv":
        try:
            return parse_intent_csv(raw.decode("utf-8-sig"), provider, MAX_SIGNALS), "line"
        except UnicodeDecodeError as exc:
            raise ApiError(400, "malformed", "the CSV is not UTF-8") from exc
        except (MalformedBody, EmptyBatch) as exc:
            raise ApiError(400, "malformed", str(exc)) from exc
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json (a signal or an array) or text/csv")
    body = parse_json(raw)
    items = body if isinstance(body, list) else [body]
    if not items:
        raise ApiError(400, "malformed", "the batch is empty")
    if len(items) > MAX_SIGNALS:
        raise ApiError(413, "too_large", f"a request holds at most {MAX_SIGNALS} signals")
    if provider:
        items = [{"provider": provider, **i} if isinstance(i, dict) else i for i in items]
    return items, "index"


def _validated(items: list[Any], naming: str, context: dict[str, Any]) -> list[IntentRecorded]:
    valid, errors = [], []
    for index, item in enumerate(items):
        try:
            valid.append(_SIGNAL.validate_python(item, context=context))
        except ValidationError as exc:
            # A CSV's line (the header is line 1), as a spreadsheet shows it: `line 4.strength`.
            errors += field_errors(exc, prefix=f"line {index + 2}" if naming == "line" else f"[{index}]")
    if errors:
        raise ApiError(422, "invalid", "a signal does not match the schema", errors)
    return valid


def intent_event(signal: IntentRecorded) -> IntentEvent:
    """The CloudEvent of one signal, its id derived from what the signal says."""
    said = f"{signal.provider.lower()}|{signal.account.lower()}|{signal.topic.lower()}|{signal.observed_at.isoformat()}"
    return IntentEvent(id=derived_id(said, "intent"), source=SOURCE, subject=signal.account.lower(),
                       time=signal.observed_at, data=signal)


def intent_router() -> APIRouter:
    router = APIRouter(tags=["ingest"])

    @router.post("/v1/intent", status_code=202, response_model=IntentAccepted,
                 responses=error_responses(400, 401, 403, 413, 415, 422, 503),
                 openapi_extra=edge("key", body="imports"))
    async def post_intent(request: Request, _: Sender, producer: ProducerDep, settings: SettingsDep, now: NowDep,
                          provider: Annotated[str | None, Query(max_length=100, description=(
                              "The provider of signals that name none (a CSV without a provider column)"))] = None,
                          ) -> JsonResponse:
        """Intent signals (account, topic, strength 0-100, provider, observed_at): one JSON object, an
        array, or a provider's CSV export (text/csv with a header row)."""
        raw = await read_limited(request, settings.max_import_bytes)
        items, naming = _items(raw, media_type(request), provider)
        signals = _validated(items, naming, arrival_context(now, settings.clock_skew))
        events = list({e.id: e for e in map(intent_event, signals)}.values())  # a file repeating a row: once
        records = encoded_records(events, lambda e: e.data.account.lower(), settings.kafka_max_message_bytes,
                                  is_batch=True)
        await produce_acked(producer, settings.topic(Topic.INTENT), records)
        answer = IntentAccepted(accepted=len(events), ids=[e.id for e in events])
        return JsonResponse(answer.model_dump(), status_code=202)

    return router
