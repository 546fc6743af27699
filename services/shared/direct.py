"""Serving a hot route ahead of the framework: one dict lookup instead of the routing and
per-route machinery.

For `POST /v1/events` the framework's share of a request (matching the path against every
route, the exception and exit-stack wrappers around each route, dependency solving) was about
a third of the time. The route stays declared in FastAPI, so it is documented and served the
same way if a request ever reaches the router; the endpoint makes its own checks.
"""

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.shared.errors import ApiError, api_error_response

Endpoint = Callable[[Request], Awaitable[Response]]


class DirectRoutes:
    """ASGI middleware: requests whose (method, path) is in `routes` go straight to the endpoint;
    an ApiError becomes the usual JSON error, anything else reaches the app's 500 handler."""

    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], Endpoint]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (self.routes.get((scope.get("method", ""), scope.get("path", "")))
                    if scope["type"] == "http" else None)
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await endpoint(Request(scope, receive))
        except ApiError as exc:
            response = api_error_response(exc)
        await response(scope, receive, send)
