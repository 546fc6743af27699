"""Each tool's own request signature, compared in constant time; the clock is passed in."""

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

TOLERANCE = timedelta(minutes=5)  # HubSpot's documented limit; Standard Webhooks' default too
# HubSpot signs the URI with these escapes decoded (its v3 validation guide lists exactly these).
_HUBSPOT_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
                    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}


class SignatureError(ValueError):
    """The signature is missing, malformed, stale or wrong: the request is not the tool's (401)."""


def _matches(expected: str, presented: str | None, header: str) -> None:
    if not presented or not presented.strip():
        raise SignatureError(f"missing {header} header")
    if not hmac.compare_digest(expected.encode(), presented.strip().encode()):
        raise SignatureError(f"{header} does not match the request")


def _fresh(sent: datetime, now: datetime) -> None:
    if abs(now - sent) > TOLERANCE:
        raise SignatureError("the signature's timestamp is more than 5 minutes from now (replayed or skewed clock)")


def mautic_signature(secret: str, body: bytes) -> str:
    """Webhook-Signature as Mautic sends it: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_mautic(secret: str, body: bytes, signature: str | None) -> None:
    """Raises SignatureError unless `signature` is Mautic's for `body`."""
    _matches(mautic_signature(secret, body), signature, "Webhook-Signature")


def segment_signature(secret: str, body: bytes) -> str:
    """X-Signature as Segment's webhook destination sends it: hex HMAC-SHA1 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def verify_segment(secret: str, body: bytes, signature: str | None) -> None:
    """Raises SignatureError unless `signature` is Segment's for `body`."""
    _matches(segment_signature(secret, body), signature and signature.strip().lower(), "X-Signature")


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
    _fresh(sent, now)
    _matches(hubspot_signature(secret, method, uri, body, timestamp.strip()), signature, "X-HubSpot-Signature-v3")


STANDARD_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def standard_webhook(secret: str) -> Webhook:
    """The verifier for a `whsec_` secret; ValueError when the secret is unusable."""
    try:
        return Webhook(secret)
    except Exception as exc:  # the library raises its own types for an empty or undecodable secret
        raise ValueError(f"not a usable whsec_ secret: {exc}") from exc


def verify_standard(webhook: Webhook, body: bytes, headers: Mapping[str, str], now: datetime) -> None:
    """Raises SignatureError unless the Standard Webhooks headers sign `body` within 5 minutes of `now`."""
    present = {name: headers.get(name, "") for name in STANDARD_HEADERS}
    missing = [name for name, value in present.items() if not value.strip()]
    if missing:
        raise SignatureError(f"missing {', '.join(missing)} header")
    try:
        sent = datetime.fromtimestamp(int(present["webhook-timestamp"].strip()), now.tzinfo)
    except (ValueError, OverflowError, OSError) as exc:
        raise SignatureError("webhook-timestamp is not epoch seconds") from exc
    _fresh(sent, now)
    try:
        webhook.verify(body, present, json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureError("webhook-signature does not match the request") from exc
    except ValueError as exc:  # a signature that is not `v1,<base64>`, or a body that is not UTF-8
        raise SignatureError("webhook-signature is malformed") from exc
