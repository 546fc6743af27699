"""Who reads the dashboard: an API key of any role, given once in the login form, which opens a
server-side session. The browser's cookie holds only the session's random token (HttpOnly,
SameSite=Strict, Secure over HTTPS or behind a TLS proxy); PostgreSQL holds its hash, its expiry,
and its end at logout. A bearer header works too (curl, scripts).

Signing in and out must come from the dashboard's own page: their Origin (or Referer) must be
the router's own origin, so another site cannot sign a browser in or out."""

from urllib.parse import parse_qs, urlsplit

import asyncpg
from fastapi import Request
from fastapi.responses import Response

from services.router.config import RouterSettings
from services.router.reporting.ui.session_store import SessionRepository
from services.shared.auth import Principal, Throttled, client_address, throttled_error
from services.shared.body import read_limited
from services.shared.state import service_state

COOKIE = "handoff_ui_session"
COOKIE_PATH = "/ui"
MAX_AGE_S = 12 * 3600  # a working day; then the form asks again
MAX_KEY_CHARS = 512  # real keys are ~50
MAX_TOKEN_CHARS = 100  # tokens are 43
MAX_FORM_BYTES = 4096


async def _key_principal(request: Request, key: str) -> Principal | None:
    """The key's principal; a wrong key counts against the caller (429 after too many)."""
    try:
        return await service_state(request).keys.authenticate(key, client_address(request))
    except Throttled as exc:
        raise throttled_error(exc) from exc


async def reader(request: Request, db: asyncpg.Pool) -> Principal | None:
    """The caller's principal from the session cookie or a bearer header; None when neither is live."""
    token = request.cookies.get(COOKIE)
    if token and len(token) <= MAX_TOKEN_CHARS:
        found = await SessionRepository(db).principal(token)
        if found:
            return found
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    key = bearer.strip() if scheme.lower() == "bearer" else ""
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    return await _key_principal(request, key)


def own_origin(request: Request, settings: RouterSettings) -> bool:
    """True when the request's Origin (else its Referer) is the router's own origin."""
    claimed = request.headers.get("origin") or request.headers.get("referer") or ""
    parts = urlsplit(claimed)
    host = request.headers.get("host", "")
    if not parts.scheme or not parts.netloc or not host:
        return False
    allowed = {f"{request.url.scheme}://{host}"} | ({f"https://{host}"} if settings.behind_tls_proxy else set())
    return f"{parts.scheme}://{parts.netloc}".lower() in {a.lower() for a in allowed}


async def submitted_principal(request: Request) -> Principal | None:
    """The principal of the `key` field of the login form; None when missing, oversized or unknown."""
    raw = await read_limited(request, MAX_FORM_BYTES)
    key = parse_qs(raw.decode("utf-8", "replace")).get("key", [""])[0].strip()
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    return await _key_principal(request, key)


def secure(request: Request, settings: RouterSettings) -> bool:
    return request.url.scheme == "https" or settings.behind_tls_proxy


async def open_session(response: Response, request: Request, settings: RouterSettings, db: asyncpg.Pool,
                       principal: Principal) -> Response:
    token = await SessionRepository(db).open(principal, MAX_AGE_S)
    response.set_cookie(COOKIE, token, max_age=MAX_AGE_S, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=secure(request, settings))
    return response


async def close_session(response: Response, request: Request, settings: RouterSettings,
                        db: asyncpg.Pool) -> Response:
    token = request.cookies.get(COOKIE)
    if token and len(token) <= MAX_TOKEN_CHARS:
        await SessionRepository(db).close(token)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=secure(request, settings))
    return response
