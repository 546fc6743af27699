"""One event of a HubSpot webhook request, as HubSpot documents it: the scorer reads contact changes as
marketing engagement, the router's connector reads CRM changes; both start from this shape."""

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class HubSpotWebhookEvent(BaseModel):
    """The fields both readers use (more are allowed: HubSpot adds some per subscription type)."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True,
                              coerce_numbers_to_str=True)

    event_id: str
    subscription_id: str | None = None
    subscription_type: str
    object_id: str
    object_type_id: str | None = None
    property_name: str | None = None
    property_value: Any = None
