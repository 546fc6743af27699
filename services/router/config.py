"""Router settings, and the typed dependency routes read them through."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field

from services.shared.config import Settings
from services.shared.state import service_state

SCHEMA = "router"
QUALIFIED_GROUP = "handoff-router"
CRM_GROUP = "handoff-router-crm"
ACCOUNT_GROUP = "handoff-router-accounts"  # sales-ready accounts (handoff.account.qualified)
DELIVERY_GROUP = "handoff-router-delivery"  # -routed and -followup: one group per consumed topic
DEFAULT_POOL = "default"


class RouterSettings(Settings):
    port: int = Field(default=8002, validation_alias="HANDOFF_ROUTER_PORT")
    event_source: str = "handoff/router"
    default_pool: str = DEFAULT_POOL
    agreement_poll_s: float = 5.0
    sla_metrics_refresh_s: float = Field(default=15.0, description="How often the SLA gauges are recomputed")
    sla_tick_s: float = Field(default=1.0, description="How often each replica looks for due SLA timers")
    sla_batch: int = Field(default=100, description="Timers fired per transaction")
    # Outbound delivery (docs/integrations.md, "Outbound delivery").
    delivery_timeout_s: float = Field(default=10.0, description="Per attempt: connect, send and answer")
    delivery_backoff_base_s: float = Field(default=1.0, description="Ceiling of the first retry's jittered delay")
    delivery_backoff_cap_s: float = Field(default=1800.0, description="Largest ceiling of a retry delay")
    delivery_max_attempts: int = Field(default=16, ge=1, description="Attempts before a delivery fails")
    delivery_max_age_s: float = Field(default=86400.0, description="No retry later than this after queueing")
    delivery_max_in_flight: int = Field(default=64, ge=1, description="Concurrent requests per replica")
    delivery_per_endpoint: int = Field(default=4, ge=1, description="Concurrent requests per subscription and replica")
    delivery_poll_s: float = Field(default=1.0, description="How often each replica looks for due retries")
    delivery_allow_http_localhost: bool = Field(default=False, description="Allow http:// and loopback URLs")
    behind_tls_proxy: bool = Field(
        default=False, description="A TLS-terminating proxy stands in front: the dashboard's cookie is Secure and"
                                   " https://<host> is its own origin")


async def router_settings(request: Request) -> RouterSettings:
    """The settings of the router app serving this request."""
    settings = service_state(request).runtime.settings
    assert isinstance(settings, RouterSettings)
    return settings


RouterSettingsDep = Annotated[RouterSettings, Depends(router_settings)]
