"""Standard Webhooks signatures (https://www.standardwebhooks.com) for outbound deliveries."""

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from math import floor

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    """A fresh `whsec_<base64>` signing secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(secrets: Sequence[str], message_id: str, at: datetime, body: str) -> dict[str, str]:
    """webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256) for `body` sent at `at`.

    With several secrets (newest first: a rotation's overlap) the header carries one signature per
    secret, space-delimited, as Standard Webhooks allows: a receiver holding either verifies."""
    if not secrets:
        raise ValueError("a delivery is signed with at least one secret")
    at = at.astimezone(UTC)  # the library reads the instant as UTC whatever its zone
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets),
    }
