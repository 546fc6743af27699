"""What the CRM connectors give bootstrap: their API, and a sender per connector for the delivery worker."""

from fastapi import APIRouter

from services.router.config import RouterSettings
from services.router.connectors.api import connectors_router
from services.router.connectors.hubspot_api import CONNECTOR as HUBSPOT
from services.router.connectors.hubspot_api import HubSpotApi
from services.router.connectors.inbound_api import crm_inbound_router
from services.router.connectors.salesforce_api import CONNECTOR as SALESFORCE
from services.router.connectors.salesforce_api import SalesforceApi, SalesforceAuth, credentials_set
from services.router.connectors.sending import ConnectorSender
from services.router.connectors.store import ConnectorRepository
from services.router.connectors.wiring_http import connector_client, hubspot_token
from services.router.deliveries.fanout import wall_clock
from services.router.deliveries.ports import Send
from services.shared.state import ServiceState


def routers() -> list[APIRouter]:
    return [connectors_router(), crm_inbound_router()]


def senders(state: ServiceState, settings: RouterSettings) -> dict[str, Send]:
    """The connectors whose credentials are set; a connector without them has its attempts fail
    (and retried) until they are, so nothing routed meanwhile is lost."""
    pool = state.runtime.pool
    assert pool is not None  # the runtime is open
    store, timeout = ConnectorRepository(pool), settings.delivery_timeout_s
    found: dict[str, Send] = {}
    if hubspot_token(settings):
        client = connector_client(settings)
        api = HubSpotApi(client, settings.hubspot_api_base, hubspot_token(settings), store, wall_clock)
        found[HUBSPOT] = ConnectorSender(HUBSPOT, store, api.set_owner, client, timeout, wall_clock)
    if credentials_set(settings):
        client = connector_client(settings)
        auth = SalesforceAuth(client, settings, wall_clock)
        sf = SalesforceApi(client, auth, settings.salesforce_api_version, store, wall_clock)
        found[SALESFORCE] = ConnectorSender(SALESFORCE, store, sf.set_owner, client, timeout, wall_clock)
    return found
