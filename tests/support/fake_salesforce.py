"""A local Salesforce: the OAuth 2.0 token endpoint and the REST endpoints the connector calls, as
Salesforce documents them, on 127.0.0.1.

Tokens come from the client-credentials flow (consumer key and secret) or the JWT bearer flow (an
RS256 assertion checked against the connected app's certificate key: iss, sub, aud, exp); errors are
Salesforce's (`invalid_client`, `invalid_grant`; 401 `INVALID_SESSION_ID` for an expired or unknown
token, `expire_tokens()` expires every issued one). Leads are found by SOQL on Email, created
(LastName and Company required) and updated; Tasks need a Lead WhoId. Failures are scripted per
method and path prefix (429 `REQUEST_LIMIT_EXCEEDED` with Retry-After, 5xx).
"""

import asyncio
import base64
import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
import uvicorn
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API = "/services/data/v60.0"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class FakeSalesforce:
    client_id: str = "3MVG9-test-consumer-key"
    client_secret: str = "test-consumer-secret"
    username: str = "integration@handoff.example"
    public_key: rsa.RSAPublicKey | None = None  # the connected app's certificate, for the JWT bearer flow
    tokens: set[str] = field(default_factory=set)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    leads: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id -> fields
    tasks: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    failures: list[tuple[str, str, int, dict[str, str]]] = field(default_factory=list)
    unauthorized: int = 0  # requests answered 401 INVALID_SESSION_ID
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _server: uvicorn.Server | None = None
    _task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.servers[0].sockets[0].getsockname()[1]}"

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def fail_next(self, method: str, prefix: str, code: int, **headers: str) -> None:
        self.failures.append((method, API + prefix, code, headers))

    def lead_by_email(self, email: str) -> tuple[str, dict[str, Any]] | None:
        return next(((i, f) for i, f in self.leads.items() if f.get("Email") == email), None)

    def of(self, method: str, prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(API + prefix)]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):012d}AAA"  # 18 characters, like Salesforce's

    async def start(self) -> "FakeSalesforce":
        app = Starlette(routes=[
            Route("/services/oauth2/token", self._token, methods=["POST"]),
            Route(f"{API}/query", self._query, methods=["GET"]),
            Route(f"{API}/sobjects/Lead", self._create_lead, methods=["POST"]),
            Route(f"{API}/sobjects/Lead/{{ref}}", self._update_lead, methods=["PATCH"]),
            Route(f"{API}/sobjects/Task", self._create_task, methods=["POST"]),
        ])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                                     lifespan="off"))
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.02)
        return self

    async def stop(self) -> None:
        self._server.should_exit = True
        await self._task

    async def _token(self, request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))  # application/x-www-form-urlencoded
        self.token_requests.append(form)
        if form.get("grant_type") == "client_credentials":
            if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
                return JSONResponse({"error": "invalid_client", "error_description": "invalid client credentials"}, 400)
        elif form.get("grant_type") == JWT_GRANT:
            problem = self._jwt_problem(form.get("assertion", ""))
            if problem:
                return JSONResponse({"error": "invalid_grant", "error_description": problem}, 400)
        else:
            return JSONResponse({"error": "unsupported_grant_type", "error_description": "grant type not supported"},
                                400)
        token = f"00D000000000001!{secrets.token_urlsafe(24)}"
        self.tokens.add(token)
        return JSONResponse({"access_token": token, "instance_url": self.url, "token_type": "Bearer",
                             "id": f"{self.url}/id/00D000000000001/005000000000001",
                             "issued_at": str(int(time.time() * 1000)), "signature": "c2lnbmF0dXJl"})

    def _jwt_problem(self, assertion: str) -> str | None:
        try:
            header, claims, signature = assertion.split(".")
            self.public_key.verify(_b64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                                   hashes.SHA256())
            head, body = orjson.loads(_b64(header)), orjson.loads(_b64(claims))
        except Exception:
            return "invalid assertion"
        if head.get("alg") != "RS256":
            return "invalid assertion algorithm"
        if body.get("iss") != self.client_id or body.get("sub") != self.username:
            return "user hasn't approved this consumer"
        if body.get("aud") != self.url or body.get("exp", 0) < time.time():
            return "audience is invalid or the assertion expired"
        return None

    async def _gate(self, request: Request) -> Response | None:
        raw = await request.body()
        self.requests.append(Seen(request.method, request.url.path, dict(request.query_params),
                                  dict(request.headers), orjson.loads(raw) if raw else None))
        presented = request.headers.get("authorization", "").removeprefix("Bearer ")
        if presented not in self.tokens:
            self.unauthorized += 1
            return JSONResponse([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], 401)
        for failure in self.failures:
            method, prefix, code, headers = failure
            if request.method == method and request.url.path.startswith(prefix):
                self.failures.remove(failure)
                error = "REQUEST_LIMIT_EXCEEDED" if code == 429 else "SERVER_UNAVAILABLE"
                return JSONResponse([{"message": "try again later", "errorCode": error}], code, headers=headers)
        return None

    async def _query(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        soql = request.query_params["q"]
        found = re.search(r"WHERE Email = '((?:[^'\\]|\\.)*)' AND IsConverted = false", soql)
        if not found or not soql.startswith("SELECT Id FROM Lead"):
            return JSONResponse([{"message": "unexpected query", "errorCode": "MALFORMED_QUERY"}], 400)
        email = re.sub(r"\\(.)", r"\1", found.group(1))
        records = [{"attributes": {"type": "Lead", "url": f"{API}/sobjects/Lead/{i}"}, "Id": i}
                   for i, f in self.leads.items() if f.get("Email") == email and not f.get("IsConverted")]
        return JSONResponse({"totalSize": len(records), "done": True, "records": records[:1]})

    async def _create_lead(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        fields = self.requests[-1].body
        missing = [f for f in ("LastName", "Company") if not fields.get(f)]
        if missing:
            return JSONResponse([{"message": f"Required fields are missing: {missing}",
                                  "errorCode": "REQUIRED_FIELD_MISSING", "fields": missing}], 400)
        lead_id = self.new_id("00Q")
        self.leads[lead_id] = dict(fields)
        return JSONResponse({"id": lead_id, "success": True, "errors": []}, 201)

    async def _update_lead(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        lead_id = request.path_params["ref"]
        if lead_id not in self.leads:
            return JSONResponse([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}], 404)
        self.leads[lead_id].update(self.requests[-1].body)
        return Response(status_code=204)

    async def _create_task(self, request: Request) -> Response:
        if (refused := await self._gate(request)) is not None:
            return refused
        fields = self.requests[-1].body
        if fields.get("WhoId") not in self.leads:
            return JSONResponse([{"message": "Related To ID: id value of incorrect type", "errorCode":
                                  "FIELD_INTEGRITY_EXCEPTION", "fields": ["WhoId"]}], 400)
        task_id = self.new_id("00T")
        self.tasks.append({"Id": task_id, **fields})
        return JSONResponse({"id": task_id, "success": True, "errors": []}, 201)


def outbound_message(org_id: str, notification_id: str, lead_id: str, fields: dict[str, str]) -> bytes:
    """An Outbound Message on a Lead as Salesforce sends it (SOAP 1.1, the enterprise sObject namespace)."""
    items = "".join(f"<sf:{name}>{value}</sf:{name}>" for name, value in {"Id": lead_id, **fields}.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f'<OrganizationId>{org_id}</OrganizationId><ActionId>04k000000000001AAA</ActionId>'
        '<SessionId xsi:nil="true"/><EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/60.0</EnterpriseUrl>'
        '<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/60.0</PartnerUrl>'
        f'<Notification><Id>{notification_id}</Id>'
        f'<sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">{items}</sObject>'
        '</Notification></notifications></soapenv:Body></soapenv:Envelope>').encode()
