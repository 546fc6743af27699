"""Requests and responses of the connector API."""

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.router.connectors.domain.mappings import Connector, Mappings


class ConnectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mappings: Mappings | None = Field(default=None, description="Left out: the CRM's defaults (docs/crm.md)")
    active: bool = Field(default=True, description="Inactive: routed leads are not sent (nor queued)")


class ConnectorOut(BaseModel):
    connector: Connector
    active: bool
    credentials_set: bool = Field(description="Whether the settings hold this connector's credentials")
    subscription_id: str = Field(description="Its deliveries: GET /v1/subscriptions/{id}/deliveries, replays")
    event_types: list[str]
    owners: int = Field(description="Reps mapped to a CRM owner")
    mappings: Mappings


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rep_id: str = Field(min_length=1, max_length=200)
    owner_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$",
                          description="The CRM user's id: a HubSpot owner id, a Salesforce User Id")


class OwnersOut(BaseModel):
    connector: Connector
    owners: list[OwnerIn]


class SkippedEvent(BaseModel):
    item: str
    reason: str


class CrmWebhookAccepted(BaseModel):
    accepted: int = Field(description="CRM activities now durable in Kafka")
    ids: list[str]
    skipped: list[SkippedEvent] = Field(description="Events left out, each with why")


class SalesforceChange(BaseModel):
    """One record change a Salesforce Flow posts (an HTTP callout on a Lead status change or a logged
    Task or Event; docs/crm.md has the Flow)."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=200, description="Unique per change, e.g. the record Id and"
                                                                     " its LastModifiedDate: a retry is applied once")
    object: Literal["Lead", "Task", "Event"]
    lead_id: str | None = Field(default=None, max_length=18, description="The Lead's Id (a Task's or Event's WhoId)")
    email: str | None = Field(default=None, max_length=320, description="The Lead's e-mail, when the Flow has it")
    fields: dict[Annotated[str, Field(max_length=100)], Annotated[str | None, Field(max_length=1000)]] = Field(
        default_factory=dict, max_length=50, description="Status, the rejection reason field, TaskSubtype, Subject,"
                                                         " OwnerId...")
    occurred_at: AwareDatetime
