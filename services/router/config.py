"""Router settings."""

from pydantic import Field

from services.shared.config import Settings

SCHEMA = "router"
QUALIFIED_GROUP = "handoff-router"
CRM_GROUP = "handoff-router-crm"
DEFAULT_POOL = "default"


class RouterSettings(Settings):
    port: int = Field(default=8002, validation_alias="HANDOFF_ROUTER_PORT")
    event_source: str = "handoff/router"
    default_pool: str = DEFAULT_POOL
    agreement_poll_s: float = 5.0
    sla_metrics_refresh_s: float = Field(default=15.0, description="How often the SLA gauges are recomputed")
    sla_tick_s: float = Field(default=1.0, description="How often each replica looks for due SLA timers")
    sla_batch: int = Field(default=100, description="Timers fired per transaction")
    crm_clock_skew_s: float = Field(default=300, description="How far in the future a CRM timestamp may be")
