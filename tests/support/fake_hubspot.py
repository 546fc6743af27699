"""A local HubSpot: the CRM v3 endpoints the connector calls, as HubSpot documents them, on 127.0.0.1.

Private app tokens (`Authorization: Bearer`, 401 `INVALID_AUTHENTICATION` otherwise), contacts
addressed by id or by e-mail (`idProperty=email`, 404 `OBJECT_NOT_FOUND`), notes with their
associations, calls and meetings read with `associations=contacts`, and scripted failures (429
`RATE_LIMITS` with Retry-After, 5xx) per method and path prefix. Every request is kept. Also signs
CRM webhook requests (v3) the way HubSpot does.
"""

import asyncio
import base64
import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

NOTE_TO_CONTACT = 202


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeHubSpot:
    token: str = "pat-na1-test"
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> properties
    notes: list[dict[str, Any]] = field(default_factory=list)
    engagements: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (calls, id) -> record
    requests: list[Seen] = field(default_factory=list)
    failures: list[tuple[str, str, int, dict[str, str]]] = field(default_factory=list)  # method, prefix, code, headers
    _ids: Any = field(default_factory=lambda: itertools.count(51001))
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.servers[0].sockets[0].getsockname()[1]}"

    def fail_next(self, method: str, prefix: str, code: int, **headers: str) -> None:
        """The next request of `method` under `prefix` is answered `code` (once per call)."""
        self.failures.append((method, prefix, code, headers))

    def contact_by_email(self, email: str) -> tuple[str, dict[str, Any]] | None:
        return next(((i, p) for i, p in self.contacts.items() if p.get("email") == email), None)

    def of(self, method: str, prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def log_call(self, contact_id: str, owner_id: str | None, kind: str = "calls") -> str:
        """A call (or meeting) a rep logged on the contact, as HubSpot stores it."""
        call_id = str(next(self._ids))
        self.engagements[(kind, call_id)] = {"hubspot_owner_id": owner_id, "contact": contact_id}
        return call_id

    async def start(self) -> "FakeHubSpot":
        app = Starlette(routes=[
            Route("/crm/v3/objects/contacts", self._create_contact, methods=["POST"]),
            Route("/crm/v3/objects/contacts/{ref}", self._contact, methods=["GET", "PATCH"]),
            Route("/crm/v3/objects/notes", self._create_note, methods=["POST"]),
            Route("/crm/v3/objects/{kind}/{ref}", self._engagement, methods=["GET"]),
        ])
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.02)
        return self

    async def stop(self) -> None:
        self._server.should_exit = True
        await self._task

    async def _gate(self, request: Request) -> JSONResponse | None:
        raw = await request.body()
        self.requests.append(Seen(request.method, request.url.path, dict(request.query_params),
                                  dict(request.headers), orjson.loads(raw) if raw else None))
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        for failure in self.failures:
            method, prefix, code, headers = failure
            if request.method == method and request.url.path.startswith(prefix):
                self.failures.remove(failure)
                if code == 429:
                    return _error(429, "RATE_LIMITS", "You have reached your secondly limit.", headers)
                return _error(code, "INTERNAL_ERROR", "internal error", headers)
        return None

    def _find(self, ref: str, query: dict[str, str]) -> str | None:
        if query.get("idProperty") == "email":
            found = self.contact_by_email(ref)
            return found[0] if found else None
        return ref if ref in self.contacts else None

    async def _contact(self, request: Request) -> JSONResponse:
        if (refused := await self._gate(request)) is not None:
            return refused
        contact_id = self._find(request.path_params["ref"], dict(request.query_params))
        if contact_id is None:
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        if request.method == "PATCH":
            self.contacts[contact_id].update(self.requests[-1].body["properties"])
        wanted = request.query_params.get("properties", "")
        props = {k: v for k, v in self.contacts[contact_id].items() if request.method == "PATCH" or k in wanted}
        return JSONResponse({"id": contact_id, "properties": props, "archived": False})

    async def _create_contact(self, request: Request) -> JSONResponse:
        if (refused := await self._gate(request)) is not None:
            return refused
        props = self.requests[-1].body["properties"]
        if self.contact_by_email(props.get("email")):
            return _error(409, "CONFLICT", "Contact already exists.")
        contact_id = str(next(self._ids))
        self.contacts[contact_id] = dict(props)
        return JSONResponse({"id": contact_id, "properties": props, "archived": False}, status_code=201)

    async def _create_note(self, request: Request) -> JSONResponse:
        if (refused := await self._gate(request)) is not None:
            return refused
        body = self.requests[-1].body
        for association in body.get("associations", []):
            if association["to"]["id"] not in self.contacts or association["types"] != [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]:
                return _error(400, "VALIDATION_ERROR", "invalid association")
        if "hs_timestamp" not in body["properties"]:
            return _error(400, "VALIDATION_ERROR", "Property hs_timestamp is required")
        note = {"id": str(next(self._ids)), **body}
        self.notes.append(note)
        return JSONResponse({"id": note["id"], "properties": body["properties"]}, status_code=201)

    async def _engagement(self, request: Request) -> JSONResponse:
        if (refused := await self._gate(request)) is not None:
            return refused
        kind, ref = request.path_params["kind"], request.path_params["ref"]
        found = self.engagements.get((kind, ref))
        if found is None:
            return _error(404, "OBJECT_NOT_FOUND", "resource not found")
        answer: dict[str, Any] = {"id": ref, "properties": {"hubspot_owner_id": found["hubspot_owner_id"]}}
        if request.query_params.get("associations") == "contacts":
            answer["associations"] = {"contacts": {"results": [
                {"id": found["contact"], "type": f"{kind[:-1]}_to_contact"}]}}
        return JSONResponse(answer)


def _error(code: int, category: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "message": message, "correlationId": "00000000-0000",
                         "category": category}, status_code=code, headers=headers)


def signed_webhook(secret: str, uri: str, events: list[dict[str, Any]], timestamp_ms: int) -> tuple[bytes, dict]:
    """A CRM webhook request as HubSpot sends it: the body and its v3 signature headers."""
    body = orjson.dumps(events)
    message = b"POST" + uri.encode() + body + str(timestamp_ms).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
    return body, {"content-type": "application/json", "x-hubspot-signature-v3": signature,
                  "x-hubspot-request-timestamp": str(timestamp_ms)}
