"""HubSpot webhooks: a JSON array of contact events that carry only the object id (and one property)."""

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from services.scorer.integrations.common import (
    EmptyBatch,
    MalformedBody,
    Mapped,
    clean_email,
    coerce,
    engagement_event,
    first_time,
    reason_of,
    text,
)
from services.scorer.integrations.mappings import HubSpotMappings
from services.shared.hubspot_events import HubSpotWebhookEvent

SOURCE = "hubspot"
CONTACT_TYPE_ID = "0-1"  # generic `object.*` subscriptions name contacts by this object type id


class HubSpotEvent(HubSpotWebhookEvent):
    """One event of a HubSpot webhook request, read as marketing engagement."""

    portal_id: str | None = None
    occurred_at: int | float | str | None = None

    @property
    def kind(self) -> str:
        """The subscription type, with generic object events on contacts read as contact events."""
        family, _, change = self.subscription_type.partition(".")
        if family == "object" and self.object_type_id == CONTACT_TYPE_ID:
            return f"contact.{change}"
        return self.subscription_type

    @property
    def dedupe_id(self) -> str:
        """HubSpot's event id is unique only with the subscription and the object it is about."""
        return f"{self.event_id}-{self.subscription_id}-{self.object_id}"


def _parsed(body: list[Any]) -> tuple[list[tuple[int, HubSpotEvent]], Mapped]:
    mapped, events = Mapped(), []
    for index, item in enumerate(body):
        try:
            events.append((index, HubSpotEvent.model_validate(item)))
        except ValidationError as exc:
            mapped.skip(f"[{index}]", reason_of(exc))
    return events, mapped


def map_hubspot(body: Any, mappings: HubSpotMappings, received_at: datetime) -> Mapped:
    """A batch of HubSpot contact events as engagement events; unmapped types and properties are skipped."""
    if not isinstance(body, list):
        raise MalformedBody("a HubSpot webhook body is a JSON array of events")
    if not body:
        raise EmptyBatch("the batch is empty")
    events, mapped = _parsed(body)
    # An email set in this request names its object's other events too: one lead key, one partition.
    emails = {e.object_id: email for _, e in events if e.property_name == mappings.email_property
              and (email := clean_email(e.property_value))}
    for index, e in events:
        where = f"[{index}]"
        activity = mappings.events.get(e.kind)
        spec = mappings.properties.get(e.property_name or "")
        if activity is None:
            mapped.skip(where, f"subscription type {e.subscription_type!r} is not mapped")
            continue
        if e.property_name and e.property_name != mappings.email_property and spec is None:
            mapped.skip(where, f"property {e.property_name!r} is not mapped")
            continue
        value = coerce(e.property_value, spec.type) if spec else None
        attributes = {spec.attribute: value} if spec and value not in (None, "") else {}
        try:
            mapped.events.append(engagement_event(
                SOURCE, e.dedupe_id, source=SOURCE, activity=activity,
                occurred_at=first_time(e.occurred_at, default=received_at),
                email=emails.get(e.object_id), external_id=text(e.object_id), attributes=attributes,
            ))
        except ValueError as exc:
            mapped.skip(where, reason_of(exc))
    return mapped
