"""Scorer settings, and the typed dependency routes read them through."""

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field, SecretStr

from services.shared.config import Settings
from services.shared.state import service_state

SCHEMA = "scorer"
CONSUMER_GROUP = "handoff-scorer"
INTENT_GROUP = "handoff-scorer-intent"  # intent signals, stored per account
FOLLOWUP_GROUP = "handoff-scorer-followup"  # its own group and inbox: the router's follow-up steps


class ScorerSettings(Settings):
    port: int = Field(default=8001, validation_alias="HANDOFF_SCORER_PORT")
    event_source: str = "handoff/scorer"
    scoring_lanes: int = Field(
        default=2, ge=1, le=16,
        description="Transactions run side by side per engagement batch, split by partition")
    engagement_retention_days: int = Field(default=400, description="Raw history kept for backtests")
    agreement_poll_s: float = 5.0
    account_heat_every_s: float = Field(
        default=60, gt=0, le=3600,
        description="Seconds between refreshes of this week's accounts heating up (the dashboard's list)")
    # Inbound webhooks (docs/integrations.md, "Inbound webhooks"): unset, that adapter answers 503.
    # Each inbound secret may list several, comma-separated, newest first: a request signed with any
    # of them is taken, so a tool switches to a new secret without a gap (then drop the old one).
    mautic_secret: SecretStr | None = Field(default=None, description="Mautic webhook secret(s) (Webhook-Signature)")
    hubspot_client_secret: SecretStr | None = Field(default=None, description="HubSpot app client secret(s) (v3)")
    segment_secret: SecretStr | None = Field(default=None, description="Segment shared secret(s) (X-Signature)")
    webhook_secret: SecretStr | None = Field(default=None, description="whsec_ secret(s) for signed POST /v1/events")
    mautic_replay_tolerance_s: float = Field(
        default=3600, gt=0, description="How old a Mautic request's newest `timestamp` may be (a queued batch"
                                        " waits for Mautic's cron) and how long its body is remembered as taken")
    segment_replay_tolerance_s: float = Field(
        default=21600, gt=0, description="How old the newest `receivedAt` of a Segment request may be (Segment"
                                         " retries a failed delivery for hours); its body is remembered as long")
    public_base_url: str | None = Field(
        default=None, description="The scorer's URL as callers see it (behind a proxy), for HubSpot's signed URI")
    integration_mappings: Path | None = Field(
        default=None, description="YAML of event and field mappings; unset, the documented defaults")


async def scorer_settings(request: Request) -> ScorerSettings:
    """The settings of the scorer app serving this request."""
    settings = service_state(request).runtime.settings
    assert isinstance(settings, ScorerSettings)
    return settings


ScorerSettingsDep = Annotated[ScorerSettings, Depends(scorer_settings)]
