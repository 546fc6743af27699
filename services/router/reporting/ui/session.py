"""Who reads the dashboard: an API key of any role, given once in the login form and then kept
in an HttpOnly, SameSite=Strict cookie, since a browser cannot send a bearer header when it
navigates. A bearer header works too (curl, scripts)."""

from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response

from services.shared.auth import Principal
from services.shared.body import read_limited
from services.shared.state import service_state

COOKIE = "handoff_ui_key"
COOKIE_PATH = "/ui"
MAX_AGE_S = 12 * 3600  # a working day; then the form asks again
MAX_KEY_CHARS = 512  # real keys are ~50; a cookie must stay well under 4 KB
MAX_FORM_BYTES = 4096


async def reader(request: Request) -> Principal | None:
    """The caller's principal from the cookie or a bearer header; None when neither holds a live key."""
    key = request.cookies.get(COOKIE)
    if not key:
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        key = bearer.strip() if scheme.lower() == "bearer" else ""
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    return await service_state(request).keys.principal(key)


async def submitted_key(request: Request) -> str:
    """The `key` field of the login form ('' when missing or oversized)."""
    raw = await read_limited(request, MAX_FORM_BYTES)
    key = parse_qs(raw.decode("utf-8", "replace")).get("key", [""])[0].strip()
    return key if len(key) <= MAX_KEY_CHARS else ""


def keep_key(response: Response, request: Request, key: str) -> Response:
    response.set_cookie(COOKIE, key, max_age=MAX_AGE_S, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


def forget_key(response: Response) -> Response:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response
