"""/v1/dead-letters: ops read the dead letters of the topics this service consumes, and replay them
once the cause is fixed (the same functions as `handoff dlq`)."""

import base64
from collections.abc import Sequence
from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from schemas.topics import Topic, dlq_topic
from services.shared.auth import require_role
from services.shared.config import Settings
from services.shared.deps import NowDep, SettingsDep
from services.shared.dlq import DeadLetter, DeadLetterFilter, dead_letters, dlq_depths, replay
from services.shared.errors import ApiError, FieldError, error_responses
from services.shared.windows import parse_since

MAX_LISTED = 500
MAX_ERROR_TEXT = 200


class DeadLetterTopic(BaseModel):
    topic: str = Field(description="The contract topic, as deployed")
    dead_letter_topic: str
    depth: int = Field(description="Records the dead-letter topic holds")


class DeadLetterView(BaseModel):
    partition: int
    offset: int
    dead_lettered_at: datetime
    key: str | None
    error: str
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    headers: dict[str, str] = Field(description="Every header, the dead-letter ones included (last value wins)")
    value: str | None = Field(description="The record as produced: UTF-8 text, or base64 when it is not text")
    value_encoding: str = Field(description="utf-8 or base64")


class Position(BaseModel):
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)


class ReplayRequest(BaseModel):
    since: str | None = Field(None, description="Only those dead-lettered since: 30d, 12h, 2w, 90m or ISO")
    error_matches: str | None = Field(None, min_length=1, max_length=MAX_ERROR_TEXT,
                                      description="Only those whose reason contains this text (any case)")
    positions: list[Position] | None = Field(None, max_length=10_000,
                                             description="Only these records of the dead-letter topic")
    dry_run: bool = Field(False, description="Say what would be replayed, produce nothing")


class ReplayedView(BaseModel):
    partition: int
    offset: int
    to_topic: str
    to_partition: int | None
    to_offset: int | None


class ReplayResult(BaseModel):
    dry_run: bool
    replayed: list[ReplayedView]


def view(letter: DeadLetter) -> DeadLetterView:
    try:
        value, encoding = (letter.value.decode() if letter.value is not None else None), "utf-8"
    except UnicodeDecodeError:
        value, encoding = base64.b64encode(letter.value or b"").decode(), "base64"
    position = letter.original_position
    return DeadLetterView(
        partition=letter.partition, offset=letter.offset, dead_lettered_at=letter.timestamp,
        key=letter.key.decode(errors="replace") if letter.key is not None else None, error=letter.error,
        original_topic=letter.original_topic, original_partition=position[0] if position else None,
        original_offset=position[1] if position else None,
        headers={k: v.decode(errors="replace") for k, v in letter.headers}, value=value, value_encoding=encoding)


def _since(text: str | None, now: datetime, field: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_since(text, now)
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc), [FieldError(field=field, message=str(exc))]) from None


def dead_letters_router(consumed: Sequence[Topic]) -> APIRouter:
    """The routes for the dead letters of `consumed`, the contract topics this service consumes."""
    router = APIRouter(prefix="/v1/dead-letters", tags=["operations"], dependencies=[Depends(require_role("ops"))],
                       responses=error_responses(401, 403, 404, 422))
    own = tuple(dict.fromkeys(consumed))

    def deployed(settings: Settings, topic: str) -> str:
        if topic not in {t.value for t in own}:
            raise ApiError(404, "not_found", f"this service has no dead letters of {topic!r}; it consumes "
                                             f"{', '.join(t.value for t in own)}")
        return settings.topic(topic)

    @router.get("", response_model=list[DeadLetterTopic])
    async def topics(settings: SettingsDep) -> list[DeadLetterTopic]:
        """The dead-letter topics of this service's consumers and how many records each holds."""
        depths = await dlq_depths(settings, [settings.topic(t) for t in own])
        return [DeadLetterTopic(topic=t, dead_letter_topic=dlq_topic(t), depth=n) for t, n in depths.items()]

    @router.get("/{topic}", response_model=list[DeadLetterView])
    async def list_letters(settings: SettingsDep, now: NowDep, topic: str,
                           since: str | None = Query(None, max_length=40),
                           error_matches: str | None = Query(None, min_length=1, max_length=MAX_ERROR_TEXT),
                           limit: int = Query(50, ge=1, le=MAX_LISTED)) -> list[DeadLetterView]:
        """The oldest dead letters of a topic (by partition, then offset), with why each failed."""
        which = DeadLetterFilter(_since(since, now, "since"), error_matches)
        out: list[DeadLetterView] = []
        async for letter in dead_letters(settings, deployed(settings, topic), which):
            out.append(view(letter))
            if len(out) >= limit:
                break
        return out

    @router.post("/{topic}/replay", response_model=ReplayResult)
    async def replay_letters(settings: SettingsDep, now: NowDep, topic: str, body: ReplayRequest) -> ReplayResult:
        """Produces the chosen dead letters to the topic they came from (key, value and headers as
        first produced); the consumers' inboxes apply each at most once, however often it is replayed."""
        positions = frozenset((p.partition, p.offset) for p in body.positions) if body.positions is not None else None
        which = DeadLetterFilter(_since(body.since, now, "since"), body.error_matches, positions)
        done = await replay(settings, deployed(settings, topic), which, dry_run=body.dry_run)
        return ReplayResult(dry_run=body.dry_run, replayed=[
            ReplayedView(partition=r.letter.partition, offset=r.letter.offset, to_topic=r.to_topic,
                         to_partition=r.to_partition, to_offset=r.to_offset) for r in done])

    return router
