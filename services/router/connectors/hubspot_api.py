"""HubSpot's CRM v3 API over HTTP with a private app token: the owner set, the note left, records read."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from services.router.connectors.domain import hubspot
from services.router.connectors.domain.notes import OwnerChange
from services.router.connectors.sending import CrmRefused, refused
from services.router.connectors.store import ConnectorRepository

CONNECTOR = "hubspot"


class HubSpotApi:
    def __init__(self, client: httpx.AsyncClient, base_url: str, token: str, links: ConnectorRepository,
                 now: Callable[[], datetime]) -> None:
        self._client, self._base, self._links, self._now = client, base_url.rstrip("/"), links, now
        self._headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def _call(self, method: str, path: str, what: str, *, body: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None, missing_ok: bool = False) -> httpx.Response:
        response = await self._client.request(method, self._base + path, json=body, params=params,
                                              headers=self._headers)
        if response.status_code == 401:
            raise CrmRefused(f"HubSpot refused the private app token ({what}): HTTP 401; check HANDOFF_HUBSPOT_TOKEN",
                             401)
        if not response.is_success and not (missing_ok and response.status_code == 404):
            raise refused(response, f"HubSpot {what}", self._now())
        return response

    async def set_owner(self, change: OwnerChange, owner_id: str) -> int:
        """Owner on the contact of the lead's e-mail (created when there is none), then the note."""
        contact = quote(change.lead_key, safe="@")
        response = await self._call("PATCH", f"/crm/v3/objects/contacts/{contact}", "owner update",
                                    body=hubspot.owner_properties(owner_id), params={"idProperty": "email"},
                                    missing_ok=True)
        if response.status_code == 404:
            response = await self._call("POST", "/crm/v3/objects/contacts", "contact create",
                                        body=hubspot.new_contact(change.lead_key, owner_id))
        contact_id = str(response.json()["id"])
        await self._links.link(CONNECTOR, change.lead_key, contact_id)
        note = await self._call("POST", "/crm/v3/objects/notes", "note create",
                                body=hubspot.new_note(contact_id, owner_id, change.note, change.occurred_at))
        return note.status_code

    async def read(self, path: str, properties: list[str], associations: str | None = None) -> dict[str, Any]:
        """One CRM record with the given properties (and associated ids), for an inbound event."""
        params = {"properties": ",".join(properties)}
        if associations:
            params["associations"] = associations
        found: dict[str, Any] = (await self._call("GET", path, f"read {path}", params=params)).json()
        return found
