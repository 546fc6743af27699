"""Router settings, and the typed dependency routes read them through."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field, SecretStr

from schemas.money import CurrencyCode
from services.shared.config import Settings
from services.shared.state import service_state

SCHEMA = "router"
QUALIFIED_GROUP = "handoff-router"
CRM_GROUP = "handoff-router-crm"
CHANGES_GROUP = "handoff-router-changes"  # engagement events: lead fields that may re-route an untouched lead
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
    # CRM connectors (docs/crm.md): their credentials live here only, and connectors name them by kind.
    hubspot_api_base: str = Field(default="https://api.hubapi.com", description="HubSpot's API base URL")
    hubspot_token: SecretStr | None = Field(
        default=None, description="HubSpot private app access token (scopes in docs/crm.md); unset, no HubSpot"
                                  " connector sends")
    hubspot_client_secret: SecretStr | None = Field(
        default=None, description="HubSpot app client secret(s), newest first: verifies CRM webhooks (v3)")
    salesforce_login_url: str = Field(
        default="https://login.salesforce.com", description="Where tokens come from: login, test, or the My Domain"
                                                            " URL (the client-credentials flow needs My Domain)")
    salesforce_api_version: str = Field(default="v60.0", description="The REST API version of /services/data/")
    salesforce_client_id: str | None = Field(default=None, description="The connected app's consumer key")
    salesforce_client_secret: SecretStr | None = Field(
        default=None, description="Its consumer secret: the OAuth 2.0 client-credentials flow")
    salesforce_username: str | None = Field(
        default=None, description="The integration user: with the private key, the JWT bearer flow instead")
    salesforce_private_key: SecretStr | None = Field(
        default=None, description="PEM RSA key whose certificate the connected app holds (JWT bearer flow)")
    salesforce_org_id: str | None = Field(
        default=None, description="The org whose Outbound Messages are taken (their OrganizationId)")
    salesforce_outbound_token: SecretStr | None = Field(
        default=None, description="The token Outbound Message URLs carry (?token=); unset, none are taken")
    public_base_url: str | None = Field(
        default=None, description="The router's URL as people and callers reach it (behind a proxy): the links of"
                                  " chat alerts and the weekly review, and the URI HubSpot signs. Unset: links on"
                                  " http://127.0.0.1:<port>, signatures checked against the request's own URL")
    behind_tls_proxy: bool = Field(
        default=False, description="A TLS-terminating proxy stands in front: the dashboard's cookie is Secure and"
                                   " https://<host> is its own origin")
    reporting_currency: CurrencyCode = Field(
        default="EUR", description="ISO 4217 code every report converts amounts and costs into, with the rates ops"
                                   " keeps (PUT /v1/currency-rates)")
    # The weekly review (docs/reporting.md, "The weekly review").
    review_chromium: str = Field(default="/usr/bin/chromium", description="Chromium or Chrome that prints the"
                                                                           " review to PDF (headless)")
    review_slack_webhook_url: SecretStr | None = Field(
        default=None, description="A Slack-compatible incoming webhook that gets the review's summary; unset: none")
    review_check_s: float = Field(default=300.0, description="How often each replica looks whether a review is due")


    @property
    def link_base(self) -> str:
        """Where links to this router start (alerts, the weekly review): the public URL, else the local one."""
        return (self.public_base_url or f"http://127.0.0.1:{self.port}").rstrip("/")


async def router_settings(request: Request) -> RouterSettings:
    """The settings of the router app serving this request."""
    settings = service_state(request).runtime.settings
    assert isinstance(settings, RouterSettings)
    return settings


RouterSettingsDep = Annotated[RouterSettings, Depends(router_settings)]
