"""Segment spec calls (Segment's webhook destination, RudderStack): identify, track, group and page."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from services.scorer.integrations.common import (
    EmptyBatch,
    MalformedBody,
    Mapped,
    clean_email,
    content_hash,
    engagement_event,
    first_time,
    lookup,
    mapped_attributes,
    reason_of,
    text,
)
from services.scorer.integrations.mappings import SegmentMappings, normalized_name

SOURCE = "segment"


class SegmentCall(BaseModel):
    """One call of the Segment spec (more fields are allowed)."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True,
                              coerce_numbers_to_str=True)

    type: str
    message_id: str | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    group_id: str | None = None
    event: str | None = None
    name: str | None = None
    traits: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    timestamp: Any = None
    original_timestamp: Any = None
    received_at: Any = None
    sent_at: Any = None

    @field_validator("type")
    @classmethod
    def _lower(cls, kind: str) -> str:
        return kind.strip().lower()

    @property
    def who(self) -> str | None:
        """The tool's id of the person: the user id once known, else the anonymous id."""
        return self.user_id or self.anonymous_id

    def email(self, trait: str) -> str | None:
        return (clean_email(lookup(self.traits, trait)) or clean_email(lookup(self.context, f"traits.{trait}"))
                or clean_email(lookup(self.properties, trait)))


def _calls(body: Any) -> tuple[str, list[Any]]:
    """Where the calls are (for naming skipped ones) and the calls."""
    if isinstance(body, dict) and "batch" in body:
        if not isinstance(body["batch"], list):
            raise MalformedBody("`batch` must be an array of calls")
        return "batch", body["batch"]
    if isinstance(body, list):  # RudderStack may send a bare array
        return "", body
    if isinstance(body, dict):
        return "call", [body]
    raise MalformedBody("a Segment body is one call or {\"batch\": [calls]}")


def _activity(call: SegmentCall, mappings: SegmentMappings) -> tuple[str | None, str]:
    if call.type == "track":
        return mappings.events.get(normalized_name(call.event or "")), f"track event {call.event!r} is not mapped"
    return mappings.calls.get(call.type), f"call type {call.type!r} is not mapped"


def _attributes(call: SegmentCall, mappings: SegmentMappings) -> dict[str, Any]:
    # Libraries send the user's traits along in context.traits; the call's own traits come on top.
    out = mapped_attributes(lookup(call.context, "traits") or {}, mappings.traits)
    if call.type == "identify":
        out |= mapped_attributes(call.traits or {}, mappings.traits)
    elif call.type == "group":  # the account's traits describe the lead's company
        out |= mapped_attributes(call.traits or {}, mappings.group_traits)
    return out


def map_segment(body: Any, mappings: SegmentMappings, received_at: datetime) -> Mapped:
    """Segment calls, one or a batch, as engagement events; unmapped calls and events are skipped."""
    prefix, items = _calls(body)
    if not items:
        raise EmptyBatch("the batch is empty")
    mapped, calls = Mapped(), []
    for index, item in enumerate(items):
        where = prefix if prefix == "call" else f"{prefix}[{index}]"
        try:
            calls.append((where, SegmentCall.model_validate(item)))
        except ValidationError as exc:
            mapped.skip(where, reason_of(exc))
    # An email an identify gave in this request names that user's other calls too: one key, one partition.
    emails: dict[str | None, str] = {  # looked up by a call's id, which may be None
        c.who: email for _, c in calls if c.who and (email := c.email(mappings.email_trait))}
    for where, call in calls:
        activity, why_not = _activity(call, mappings)
        if activity is None:
            mapped.skip(where, why_not)
            continue
        try:
            mapped.events.append(engagement_event(
                SOURCE, call.message_id or content_hash(call.model_dump(by_alias=True)), source=SOURCE,
                activity=activity, email=call.email(mappings.email_trait) or emails.get(call.who), external_id=call.who,
                occurred_at=first_time(call.timestamp, call.original_timestamp, call.received_at, call.sent_at,
                                       default=received_at),
                url=text(lookup(call.properties, "url")) or text(lookup(call.context, "page.url")),
                form=text(lookup(call.properties, "form_name")) or text(lookup(call.properties, "form")),
                campaign=text(lookup(call.context, "campaign.name")) or text(lookup(call.properties, "campaign")),
                attributes=_attributes(call, mappings),
            ))
        except ValueError as exc:
            mapped.skip(where, reason_of(exc))
    return mapped
