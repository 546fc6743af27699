"""The marketing tools as tests play them: documented payloads (tests/data/webhooks), made fresh and signed."""

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from standardwebhooks import Webhook

from services.scorer.config import ScorerSettings
from services.scorer.integrations.signatures import hubspot_signature, mautic_signature, segment_signature
from services.shared.config import load_settings
from tests.support.stack import ROOT

FIXTURES = ROOT / "tests" / "data" / "webhooks"
# The fixtures' people, ids and times, which `fresh` replaces.
MAUTIC_EMAIL, MAUTIC_CONTACT = "ada.lovelace@acme-analytics.example", 90417
HUBSPOT_EMAIL, HUBSPOT_OBJECTS = "grace.hopper@northwind-labs.example", (5101, 5102)
SEGMENT_EMAIL, SEGMENT_USER = "katherine.johnson@orbital-systems.example", "usr_9fk2q"
_TIME_KEYS = {"timestamp", "dateSubmitted", "dateHit", "dateRead", "lastOpened", "occurredAt",
              "originalTimestamp", "sentAt", "receivedAt"}


def fixture(name: str) -> Any:
    """A documented payload as stored, e.g. `mautic`, `hubspot`, `segment`."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def fresh(document: Any, replace: dict[Any, Any], now: datetime | None = None) -> Any:
    """`document` with every scalar found in `replace` swapped and every event time set to `now`."""
    now = now or datetime.now(UTC)

    def walk(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if key in _TIME_KEYS and value is not None:
            return int(now.timestamp() * 1000) if isinstance(value, int) else now.isoformat()
        return replace.get(value, value) if isinstance(value, str | int) and not isinstance(value, bool) else value

    return walk(document)


def unique_id() -> int:
    """A tool's numeric id no other test uses."""
    return uuid.uuid4().int % 10**12


def dev_secrets() -> ScorerSettings:
    """The settings the running services read (deploy/local/dev.env): the secrets to sign with."""
    return load_settings(ScorerSettings)


def _secret(name: str) -> str:
    value = getattr(dev_secrets(), name)
    assert value is not None, f"HANDOFF_{name.upper()} is not set: run the tests with `make test`"
    return value.get_secret_value()


def mautic_headers(body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "webhook-signature": mautic_signature(_secret("mautic_secret"), body)}


def hubspot_headers(url: str, body: bytes, sent_ms: int | None = None) -> dict[str, str]:
    timestamp = str(sent_ms if sent_ms is not None else int(time.time() * 1000))
    signature = hubspot_signature(_secret("hubspot_client_secret"), "POST", url, body, timestamp)
    return {"content-type": "application/json", "x-hubspot-signature-v3": signature,
            "x-hubspot-request-timestamp": timestamp}


def segment_headers(body: bytes) -> dict[str, str]:
    return {"content-type": "application/json", "x-signature": segment_signature(_secret("segment_secret"), body)}


def standard_headers(body: bytes, sent: datetime | None = None,
                     content_type: str = "application/cloudevents+json") -> dict[str, str]:
    sent = sent or datetime.now(UTC)
    msg_id = f"msg_{uuid.uuid4().hex}"
    return {"content-type": content_type, "webhook-id": msg_id, "webhook-timestamp": str(int(sent.timestamp())),
            "webhook-signature": Webhook(_secret("webhook_secret")).sign(msg_id, sent, body.decode())}


def dumps(document: Any) -> bytes:
    return orjson.dumps(document)
