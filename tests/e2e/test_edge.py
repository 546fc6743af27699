"""The edge in front of every route of both running services (issue #18): authentication before
any body is read, a body cap per route (counted as it streams), a bound on headers. Each refusal
is a JSON error, produces nothing, and leaves the service ready."""

import asyncio
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from tests.support.agreements import role_key
from tests.support.events import engagement, unique_email

MIB = 1024 * 1024


async def _raw(url: str, head: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """Sends only a request head (no body) and returns the status line's code and the answer."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(head.encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        length = next((int(line.split(b":", 1)[1]) for line in answer.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        answer += await asyncio.wait_for(reader.readexactly(length), timeout)
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1]), answer


async def _ready(url: str) -> bool:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{url}/readyz")).status_code == 200


def _error(response: httpx.Response) -> dict:
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["error"]


async def test_a_bad_key_is_refused_before_the_body_is_read(services):
    # The body is announced but never sent: an answer proves nothing waited for it.
    status, answer = await _raw(services.router_url, "POST /v1/routing/preview HTTP/1.1\r\nhost: x\r\n"
                                "authorization: Bearer not-a-key\r\ncontent-type: application/json\r\n"
                                "content-length: 10000000\r\n\r\n")
    assert status == 401 and b'"unauthorized"' in answer
    assert await _ready(services.router_url)


async def test_a_missing_key_is_refused_before_the_body_is_read(services, untouched_topic):
    status, _ = await _raw(services.scorer_url, "POST /v1/events HTTP/1.1\r\nhost: x\r\n"
                           "content-type: application/cloudevents+json\r\ncontent-length: 500000\r\n\r\n")
    assert status == 401


async def test_a_role_that_may_not_call_the_route_is_refused_before_the_body_is_read(services):
    key = (await role_key(services, "marketing"))["authorization"]
    status, answer = await _raw(services.router_url, "PUT /v1/routing/rules HTTP/1.1\r\nhost: x\r\n"
                                f"authorization: {key}\r\ncontent-type: application/json\r\n"
                                "content-length: 10000000\r\n\r\n")
    assert status == 403 and b'"forbidden"' in answer


async def test_an_oversized_body_on_a_json_route_is_413(services):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.router_url}/v1/routing/preview", headers=services.auth,
                                     content=b'{"pad": "' + b"x" * (2 * MIB) + b'"}', timeout=30)
    assert response.status_code == 413 and _error(response)["code"] == "too_large"
    assert await _ready(services.router_url)


async def test_an_oversized_body_is_refused_from_its_declared_length_without_reading_it(services):
    status, answer = await _raw(services.router_url, "POST /v1/routing/preview HTTP/1.1\r\nhost: x\r\n"
                                f"authorization: {services.auth['Authorization']}\r\n"
                                "content-type: application/json\r\ncontent-length: 10000000\r\n\r\n")
    assert status == 413 and b'"too_large"' in answer


async def test_a_chunked_body_without_a_length_is_counted_as_it_streams(services, untouched_topic):
    sent = 0

    async def chunks():
        nonlocal sent
        for _ in range(64):  # 4 MiB offered, 64 KiB at a time
            sent += 1
            yield b"x" * 65536

    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=chunks(), timeout=30,
                                     headers={**services.auth, "content-type": "application/cloudevents+json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and _error(response)["code"] == "too_large"
    assert await _ready(services.scorer_url)


async def test_the_imports_take_a_larger_body_than_the_default_cap(services):
    # An unknown column: refused whole by the import itself, once the edge let the body through.
    rows = "not_a_column\n" + "".join(f"row-{n:08d}\n" for n in range(100_000))
    assert len(rows) > 1.2 * MIB
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.router_url}/v1/reps/import", content=rows.encode(), timeout=60,
                                     headers={**services.auth, "content-type": "text/csv"})
    assert response.status_code in (400, 422), response.text[:200]


async def test_oversized_headers_are_431(services, untouched_topic):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", headers={
            **services.auth, "content-type": "application/cloudevents+json", "x-padding": "p" * 20_000},
            content=orjson.dumps(engagement(unique_email())))
    assert response.status_code == 431 and _error(response)["code"] == "headers_too_large"
    assert await _ready(services.scorer_url)


@pytest.mark.parametrize("tool", ["mautic", "segment", "hubspot"])
async def test_signed_webhooks_take_no_api_key_and_are_judged_by_their_signature(services, untouched_topic, tool):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/webhooks/{tool}", content=b"{}",
                                     headers={"content-type": "application/json"})
    assert response.status_code == 401
    assert "API key" not in _error(response)["message"]


async def test_a_valid_key_and_body_still_pass_the_edge(services):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", headers={
            **services.auth, "content-type": "application/cloudevents+json"},
            content=orjson.dumps(engagement(unique_email())))
    assert response.status_code == 202
