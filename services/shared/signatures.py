"""Request signatures both services verify (HubSpot's v3: the scorer's marketing webhook and the
router's CRM connector share one app secret), compared in constant time; the clock is passed in."""

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from pydantic import SecretStr

from services.shared.auth import client_address
from services.shared.config import Settings
from services.shared.errors import ApiError
from services.shared.state import service_state

TOLERANCE = timedelta(minutes=5)  # HubSpot's documented limit; Standard Webhooks' default too
# HubSpot signs the URI with these escapes decoded (its v3 validation guide lists exactly these).
_HUBSPOT_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
                    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}


class SignatureError(ValueError):
    """The signature is missing, malformed, stale or wrong: the request is not the tool's (401)."""


def matches(expected: str, presented: str | None, header: str) -> None:
    if not presented or not presented.strip():
        raise SignatureError(f"missing {header} header")
    if not hmac.compare_digest(expected.encode(), presented.strip().encode()):
        raise SignatureError(f"{header} does not match the request")


def fresh(sent: datetime, now: datetime) -> None:
    if abs(now - sent) > TOLERANCE:
        raise SignatureError("the signature's timestamp is more than 5 minutes from now (replayed or skewed clock)")


def hubspot_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the listed escapes decoded, every other one kept."""
    return re.sub(r"%[0-9A-Fa-f]{2}", lambda m: _HUBSPOT_DECODED.get(m.group().upper(), m.group()), uri)


def hubspot_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """X-HubSpot-Signature-v3: base64 HMAC-SHA256 of method + URI + body + timestamp."""
    message = method.upper().encode() + hubspot_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_hubspot(secret: str, method: str, uri: str, body: bytes, signature: str | None,
                   timestamp: str | None, now: datetime) -> None:
    """Raises SignatureError unless the v3 signature is HubSpot's and at most 5 minutes old."""
    if not timestamp or not timestamp.strip():
        raise SignatureError("missing X-HubSpot-Request-Timestamp header")
    try:
        sent = datetime.fromtimestamp(int(timestamp.strip()) / 1000, now.tzinfo)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureError("X-HubSpot-Request-Timestamp is not epoch milliseconds") from exc
    if not signature:
        raise SignatureError("missing X-HubSpot-Signature-v3 header")
    fresh(sent, now)
    matches(hubspot_signature(secret, method, uri, body, timestamp.strip()), signature, "X-HubSpot-Signature-v3")


def configured_secrets(settings: Settings, name: str) -> list[str]:
    """The secrets of the setting `name`, newest first (comma-separated: while a tool switches to a
    new secret, both are taken), or 503 naming the variable that turns the source on."""
    secret: SecretStr | None = getattr(settings, name, None)  # a secret setting of the service's own
    secrets = [s.strip() for s in secret.get_secret_value().split(",") if s.strip()] if secret else []
    if not secrets:
        raise ApiError(503, "not_configured",
                       f"HANDOFF_{name.upper()} is not set: requests from this source cannot be verified, "
                       "so they are refused until it is")
    return secrets


def verified(request: Request, check: Callable[..., None], secrets: Sequence[Any], *args: Any) -> None:
    """Runs a signature check with each of `secrets` (newest first) until one passes; when none
    does, 401 with the newest one's reason, counted against the caller's address (the edge refuses
    it with 429 after too many)."""
    first: SignatureError | None = None
    for secret in secrets:
        try:
            check(secret, *args)
            return
        except SignatureError as exc:
            first = first or exc
    service_state(request).keys.record_failure(client_address(request))
    raise ApiError(401, "unauthorized", str(first or "no secret to verify with"))
