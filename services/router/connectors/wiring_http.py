"""The connectors' way out, and their credentials by reference: the settings name them, nothing stores them."""

import httpx

from services.router.config import RouterSettings
from services.router.connectors.domain.mappings import Connector
from services.router.connectors.salesforce_api import credentials_set as salesforce_credentials_set
from services.router.deliveries.egress import VettedTransport

USER_AGENT = "Handoff-Connector/0.1"


def api_base(settings: RouterSettings, connector: Connector) -> str:
    """The CRM API a connector's deliveries go to (the subscription's URL, shown in its log)."""
    return settings.hubspot_api_base if connector == "hubspot" else settings.salesforce_login_url


def credentials_set(settings: RouterSettings, connector: Connector) -> bool:
    return bool(hubspot_token(settings)) if connector == "hubspot" else salesforce_credentials_set(settings)


def hubspot_token(settings: RouterSettings) -> str:
    return settings.hubspot_token.get_secret_value().strip() if settings.hubspot_token else ""


def connector_client(settings: RouterSettings) -> httpx.AsyncClient:
    """A client on the vetting transport (the CRM's hosts are public; loopback only when deliveries may
    reach it, as in tests); redirects are not followed."""
    limits = httpx.Limits(max_connections=settings.delivery_per_endpoint * 2,
                          max_keepalive_connections=settings.delivery_per_endpoint * 2)
    transport = VettedTransport(limits, allow_loopback=settings.delivery_allow_http_localhost)
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.delivery_timeout_s), transport=transport,
                             follow_redirects=False, headers={"user-agent": USER_AGENT})
