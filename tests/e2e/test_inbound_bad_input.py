"""Bad input on every inbound adapter gets a clear JSON error and puts nothing on Kafka."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from schemas.topics import Topic
from services.scorer.bootstrap import create_app
from services.scorer.config import ScorerSettings
from services.shared.kafka import ensure_topics
from tests.support.events import engagement, unique_email
from tests.support.isolated import drop_topics, serving
from tests.support.kafka import end_offsets
from tests.support.webhooks import dumps, fixture, hubspot_headers, mautic_headers, segment_headers, standard_headers

STALE = timedelta(minutes=6)


@dataclass(frozen=True)
class Adapter:
    name: str
    path: str
    secret: str  # the ScorerSettings field
    signature: str  # the header that carries the signature
    body: Callable[[], bytes]
    sign: Callable[..., dict[str, str]]  # (url, body, sent) -> headers, content type included
    empty: bytes


def _sent_ms(sent: datetime | None) -> int | None:
    return int(sent.timestamp() * 1000) if sent else None


ADAPTERS = [
    Adapter("mautic", "/v1/webhooks/mautic", "mautic_secret", "webhook-signature",
            lambda: dumps(fixture("mautic")), lambda url, body, sent=None: mautic_headers(body),
            b'{"mautic.form_on_submit": []}'),
    Adapter("hubspot", "/v1/webhooks/hubspot", "hubspot_client_secret", "x-hubspot-signature-v3",
            lambda: dumps(fixture("hubspot")),
            lambda url, body, sent=None: hubspot_headers(url, body, _sent_ms(sent)), b"[]"),
    Adapter("segment", "/v1/webhooks/segment", "segment_secret", "x-signature",
            lambda: dumps(fixture("segment")), lambda url, body, sent=None: segment_headers(body), b'{"batch": []}'),
    Adapter("events", "/v1/events", "webhook_secret", "webhook-signature",
            lambda: dumps(engagement(unique_email("bad"))), lambda url, body, sent=None: standard_headers(body, sent),
            b"[]"),
]
BY_NAME = {a.name: a for a in ADAPTERS}
each_adapter = pytest.mark.parametrize("adapter", ADAPTERS, ids=[a.name for a in ADAPTERS])


async def _post(url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


@each_adapter
async def test_a_tampered_signature_is_401(services, untouched_topic, adapter):
    url, body = services.scorer_url + adapter.path, adapter.body()
    headers = {**adapter.sign(url, body), adapter.signature: adapter.sign(url, body + b" ")[adapter.signature]}
    response = await _post(url, body, headers)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")


@each_adapter
async def test_a_missing_signature_is_401(services, untouched_topic, adapter):
    url, body = services.scorer_url + adapter.path, adapter.body()
    headers = {k: v for k, v in adapter.sign(url, body).items() if k != adapter.signature}
    response = await _post(url, body, headers)
    assert response.status_code == 401
    assert "missing" in response.json()["error"]["message"]


@pytest.mark.parametrize("adapter", [BY_NAME["hubspot"], BY_NAME["events"]], ids=["hubspot", "events"])
async def test_a_stale_timestamp_is_401(services, untouched_topic, adapter):
    url, body = services.scorer_url + adapter.path, adapter.body()
    response = await _post(url, body, adapter.sign(url, body, datetime.now(UTC) - STALE))
    assert response.status_code == 401
    assert "5 minutes" in response.json()["error"]["message"]


@each_adapter
async def test_a_wrong_content_type_is_415(services, untouched_topic, adapter):
    url, body = services.scorer_url + adapter.path, adapter.body()
    response = await _post(url, body, {**adapter.sign(url, body), "content-type": "text/plain"})
    assert response.status_code == 415


@each_adapter
async def test_an_empty_batch_is_400(services, untouched_topic, adapter):
    url = services.scorer_url + adapter.path
    response = await _post(url, adapter.empty, adapter.sign(url, adapter.empty))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed")


@each_adapter
async def test_an_oversize_body_is_413(services, untouched_topic, adapter):
    url, body = services.scorer_url + adapter.path, b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'
    response = await _post(url, body, adapter.sign(url, body))
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_large")


@pytest.fixture(scope="module")
async def unconfigured(stack):
    """An in-process scorer with no webhook secret set, on topics of its own; yields (client, topic)."""
    prefix = f"nosecret-{uuid.uuid4().hex[:8]}."
    settings = ScorerSettings(**{**stack.settings.model_dump(), "topic_prefix": prefix, "outbox_idle_wait_s": 0.2,
                                 **{a.secret: None for a in ADAPTERS}})
    await ensure_topics(settings)
    try:
        async with serving(create_app(settings)) as client:
            yield client, settings.topic(Topic.ENGAGEMENT)
    finally:
        await drop_topics(settings)


@each_adapter
async def test_a_source_without_a_configured_secret_is_503_naming_the_setting(stack, unconfigured, adapter):
    client, topic = unconfigured
    before = await end_offsets(stack.bootstrap, topic)
    body = adapter.body()
    headers = adapter.sign(f"http://in-process{adapter.path}", body)
    response = await client.post(adapter.path, content=body, headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (503, "not_configured")
    assert response.headers["retry-after"] == "1"  # every 503 says when to come back
    assert f"HANDOFF_{adapter.secret.upper()} is not set" in response.json()["error"]["message"]
    assert await end_offsets(stack.bootstrap, topic) == before
