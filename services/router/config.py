"""Router settings."""

from pydantic import Field

from services.shared.config import Settings

SCHEMA = "router"
QUALIFIED_GROUP = "handoff-router"
DEFAULT_POOL = "default"


class RouterSettings(Settings):
    port: int = Field(default=8002, validation_alias="HANDOFF_ROUTER_PORT")
    event_source: str = "handoff/router"
    default_pool: str = DEFAULT_POOL
    agreement_poll_s: float = 5.0
