"""Scorer settings."""

from pydantic import Field

from services.shared.config import Settings

SCHEMA = "scorer"
CONSUMER_GROUP = "handoff-scorer"
FOLLOWUP_GROUP = "handoff-scorer-followup"  # its own group and inbox: the router's follow-up steps


class ScorerSettings(Settings):
    port: int = Field(default=8001, validation_alias="HANDOFF_SCORER_PORT")
    event_source: str = "handoff/scorer"
    scoring_horizon_days: int = Field(default=180, description="Engagement older than this is not scored")
    engagement_retention_days: int = Field(default=400, description="Raw history kept for backtests")
    agreement_poll_s: float = 5.0
