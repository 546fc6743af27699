"""Salesforce's REST API over OAuth 2.0 (client credentials or JWT bearer): the token cached per replica
and fetched again when Salesforce answers 401 (expired or revoked), the Lead's owner set, a Task left."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from services.router.config import RouterSettings
from services.router.connectors.domain import salesforce
from services.router.connectors.domain.notes import OwnerChange
from services.router.connectors.sending import CrmRefused, refused
from services.router.connectors.store import ConnectorRepository

CONNECTOR = "salesforce"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class Session:
    access_token: str
    instance_url: str


def _secret(value: Any) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def credentials_set(settings: RouterSettings) -> bool:
    jwt = bool(settings.salesforce_username and _secret(settings.salesforce_private_key))
    return bool(settings.salesforce_client_id) and (jwt or bool(_secret(settings.salesforce_client_secret)))


class SalesforceAuth:
    """One token per replica, shared by every attempt; a 401 drops it and the next caller fetches another."""

    def __init__(self, client: httpx.AsyncClient, settings: RouterSettings, now: Callable[[], datetime]) -> None:
        self._client, self._settings, self._now = client, settings, now
        self._session: Session | None = None
        self._lock = asyncio.Lock()
        self.fetched = 0

    async def session(self) -> Session:
        async with self._lock:  # one token request at a time, however many sends wait for it
            if self._session is None:
                self._session = await self._fetch()
            return self._session

    def expire(self, session: Session) -> None:
        if self._session == session:
            self._session = None

    def _grant(self) -> dict[str, str]:
        s = self._settings
        if not credentials_set(s):
            raise CrmRefused("Salesforce credentials are not set (HANDOFF_SALESFORCE_CLIENT_ID and a secret or key)")
        key = _secret(s.salesforce_private_key)
        if s.salesforce_username and key:
            private = serialization.load_pem_private_key(key.encode(), password=None)
            if not isinstance(private, rsa.RSAPrivateKey):
                raise CrmRefused("HANDOFF_SALESFORCE_PRIVATE_KEY is not an RSA key")

            def sign(data: bytes) -> bytes:
                return private.sign(data, padding.PKCS1v15(), hashes.SHA256())
            audience = s.salesforce_login_url.rstrip("/")
            assertion = salesforce.jwt_assertion(s.salesforce_client_id or "", s.salesforce_username, audience,
                                                 self._now(), sign)
            return {"grant_type": JWT_GRANT, "assertion": assertion}
        return {"grant_type": "client_credentials", "client_id": s.salesforce_client_id or "",
                "client_secret": _secret(s.salesforce_client_secret)}

    async def _fetch(self) -> Session:
        response = await self._client.post(self._settings.salesforce_login_url.rstrip("/") + "/services/oauth2/token",
                                           data=self._grant())
        self.fetched += 1
        if not response.is_success:
            code = ""
            try:
                code = str(response.json().get("error", ""))[:40]
            except ValueError:
                pass
            raise CrmRefused(f"Salesforce token request: HTTP {response.status_code} {code}".strip(),
                             response.status_code)
        body = response.json()
        return Session(str(body["access_token"]), str(body["instance_url"]).rstrip("/"))


class SalesforceApi:
    def __init__(self, client: httpx.AsyncClient, auth: SalesforceAuth, version: str, links: ConnectorRepository,
                 now: Callable[[], datetime]) -> None:
        self._client, self._auth, self._version, self._links, self._now = client, auth, version, links, now

    async def _call(self, method: str, path: str, what: str, *, body: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None) -> httpx.Response:
        for fresh_token in (False, True):
            session = await self._auth.session()
            response = await self._client.request(
                method, f"{session.instance_url}/services/data/{self._version}{path}", json=body, params=params,
                headers={"authorization": f"Bearer {session.access_token}"})
            if response.status_code != 401:
                break
            self._auth.expire(session)  # expired or revoked: fetch another once, then give up this attempt
            if fresh_token:
                raise CrmRefused(f"Salesforce {what}: HTTP 401 with a fresh token", 401)
        if not response.is_success:
            raise refused(response, f"Salesforce {what}", self._now())
        return response

    async def set_owner(self, change: OwnerChange, owner_id: str) -> int:
        """OwnerId on the lead's Lead (created when there is none), then the Task explaining it."""
        found = (await self._call("GET", "/query", "Lead query",
                                  params={"q": salesforce.lead_query(change.lead_key)})).json()
        records = found.get("records") or []
        if records:
            lead_id = str(records[0]["Id"])
            await self._call("PATCH", f"/sobjects/Lead/{lead_id}", "owner update", body={"OwnerId": owner_id})
        else:
            created = await self._call("POST", "/sobjects/Lead", "Lead create",
                                       body=salesforce.new_lead(change.lead_key, owner_id))
            lead_id = str(created.json()["id"])
        await self._links.link(CONNECTOR, change.lead_key, lead_id)
        task = await self._call("POST", "/sobjects/Task", "Task create", body=salesforce.new_task(
            lead_id, owner_id, change.subject, change.note, change.occurred_at))
        return task.status_code
