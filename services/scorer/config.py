"""Scorer settings."""

from pydantic import Field

from services.shared.config import Settings

SCHEMA = "scorer"
CONSUMER_GROUP = "handoff-scorer"


class ScorerSettings(Settings):
    port: int = Field(default=8001, validation_alias="HANDOFF_SCORER_PORT")
    event_source: str = "handoff/scorer"
