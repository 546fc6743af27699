"""Each tool's own request signature, compared in constant time; the clock is passed in.
HubSpot's v3 lives in `services/shared/signatures.py` (the router's CRM connector verifies it too)."""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from services.shared.signatures import TOLERANCE as TOLERANCE
from services.shared.signatures import SignatureError as SignatureError
from services.shared.signatures import fresh as _fresh
from services.shared.signatures import hubspot_signature as hubspot_signature
from services.shared.signatures import hubspot_uri as hubspot_uri
from services.shared.signatures import matches as _matches
from services.shared.signatures import verify_hubspot as verify_hubspot


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
