"""The edge: one pure ASGI middleware in front of every route of both services.

Before any body is read it bounds the headers (431), refuses addresses and keys that failed to
authenticate too often (429), authenticates API-keyed routes and checks their roles (401, 403),
then reads the body up to the route's cap, counting as it streams (413, with or without a
Content-Length). Each route's scheme comes from the route itself: a `require_role` dependency
makes it keyed; `edge(auth=...)` declares the others (signed webhooks, the dashboard's session).
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.shared.auth import PRINCIPAL, RoleCheck, Throttled, throttled_error
from services.shared.config import Settings
from services.shared.errors import ApiError, api_error_response
from services.shared.state import ServiceState

Auth = Literal["key", "signature", "key_or_signature", "session", "public"]
BodySize = Literal["default", "imports"] | int
EDGE = "x-handoff-edge"  # the routes' declaration, in their OpenAPI operation (documents it too)
# Standard Webhooks headers: their presence makes POST /v1/events a signed request, not a keyed one.
SIGNED_BY = (b"webhook-id", b"webhook-timestamp", b"webhook-signature")


def edge(auth: Auth, body: BodySize = "default", roles: Iterable[str] = ()) -> dict[str, Any]:
    """A route's `openapi_extra`: how it authenticates, how large its body may be, and (for a route
    that checks its key itself, like POST /v1/events) the roles its key may have."""
    return {EDGE: {"auth": auth, "body": body, **({"roles": sorted(roles)} if roles else {})}}


@dataclass(frozen=True)
class EdgeRule:
    auth: Auth
    max_body: int
    roles: RoleCheck | None = None  # keyed routes: who may call


def _role_check(dependant: Dependant) -> RoleCheck | None:
    for dep in dependant.dependencies:
        if isinstance(dep.call, RoleCheck):
            return dep.call
        found = _role_check(dep)
        if found:
            return found
    return None


def rule_of(route: BaseRoute, settings: Settings) -> EdgeRule:
    """The edge rule a route declares (or implies by its role dependency)."""
    declared: Mapping[str, Any] = ((route.openapi_extra or {}).get(EDGE, {})
                                   if isinstance(route, APIRoute) else {})
    body = declared.get("body", "default")
    cap = {"default": settings.max_body_bytes, "imports": settings.max_import_bytes}.get(body, body)
    roles = RoleCheck(*declared["roles"]) if "roles" in declared else (
        _role_check(route.dependant) if isinstance(route, APIRoute) else None)
    auth: Auth = declared.get("auth") or ("key" if roles else "public")
    if auth in ("key", "key_or_signature") and roles is None:
        raise ValueError(f"{getattr(route, 'path', route)}: a keyed route names no roles")
    return EdgeRule(auth, int(cap), roles if auth in ("key", "key_or_signature") else None)


class RouteTable:
    """(method, path) → rule: a dict for fixed paths, the routes' own patterns for the others."""

    def __init__(self, routes: Sequence[BaseRoute], settings: Settings) -> None:
        self.default = EdgeRule("public", settings.max_body_bytes)
        self._fixed: dict[tuple[str, str], EdgeRule] = {}
        self._patterns: list[tuple[re.Pattern[str], frozenset[str], EdgeRule]] = []
        for route in iter_route_contexts(routes):  # included routers too, with their prefixes
            methods, path = frozenset(route.methods or ()), route.path
            if path is None:
                continue
            rule = rule_of(route.original_route, settings)
            if route.param_convertors:
                self._patterns.append((route.path_regex, methods, rule))
            else:
                for method in methods:
                    self._fixed[(method, path)] = rule

    def rule(self, method: str, path: str) -> EdgeRule:
        found = self._fixed.get((method, path))
        if found:
            return found
        for pattern, methods, rule in self._patterns:
            if (not methods or method in methods) and pattern.match(path):
                return rule
        return self.default


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() if scheme.lower() == "bearer" and key.strip() else None
    return None


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


class Edge:
    """ASGI middleware applying each route's `EdgeRule`; outermost, so nothing reads a body before it."""

    def __init__(self, app: ASGIApp, table: RouteTable, max_header_bytes: int) -> None:
        self.app, self.table, self.max_header_bytes = app, table, max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            rule = self.table.rule(scope["method"], scope["path"])
            await self._admit(scope, rule)
            messages = await self._body(scope, receive, rule.max_body)
        except ApiError as exc:
            await api_error_response(exc)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _admit(self, scope: Scope, rule: EdgeRule) -> None:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if sum(len(n) + len(v) + 4 for n, v in headers) > self.max_header_bytes:
            raise ApiError(431, "headers_too_large", f"request headers exceed {self.max_header_bytes} bytes")
        if rule.auth == "public":
            return
        state: ServiceState = scope["app"].state.service
        address = scope["client"][0] if scope.get("client") else "unknown"
        key = _bearer(headers)
        try:
            state.keys.check_throttle(address, key)
            if rule.roles is None or (rule.auth == "key_or_signature"
                                      and any(name in SIGNED_BY for name, _ in headers)):
                return  # the route checks its signature (or session) itself, failures counted there
            if key is None:
                raise ApiError(401, "unauthorized", "missing API key (Authorization: Bearer <key>)",
                               headers={"WWW-Authenticate": "Bearer"})
            principal = await state.keys.authenticate(key, address)
        except Throttled as exc:
            raise throttled_error(exc) from exc
        if principal is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        refused = rule.roles.refusal(principal)
        if refused:
            raise refused
        scope.setdefault("state", {})[PRINCIPAL] = principal

    @staticmethod
    async def _body(scope: Scope, receive: Receive, limit: int) -> list[Message]:
        """The request's messages, read whole up to `limit` bytes; 413 past it, read no further."""
        too_large = ApiError(413, "too_large", f"request body exceeds {limit} bytes")
        declared = _declared_length(scope["headers"])
        if declared is not None and declared > limit:
            raise too_large
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away: the app sees it as it would have
            size += len(message.get("body", b""))
            if size > limit:
                raise too_large
            if not message.get("more_body", False):
                return messages
