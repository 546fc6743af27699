"""One delivery attempt over HTTP: a signed POST, bounded as a whole, its outcome recorded as data."""

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import httpx
from opentelemetry.trace import SpanKind, StatusCode

from services.router.deliveries.domain.delivery import delivered
from services.router.deliveries.signing import signed_headers
from services.router.deliveries.store import AttemptResult, Claimed
from services.shared.cloudevents import STRUCTURED_CONTENT_TYPE
from services.shared.tracing import carried, hop, traceparent_in

ERROR_BODY_BYTES = 500  # of an error answer, kept in the log for whoever debugs the endpoint


class Sender:
    def __init__(self, client: httpx.AsyncClient, timeout_s: float, now: Callable[[], datetime]) -> None:
        self._client, self._timeout_s, self._now = client, timeout_s, now

    async def send(self, claimed: Claimed) -> AttemptResult:
        """POSTs the payload, signed at this attempt's time; a trickling answer counts against the timeout too."""
        with hop("handoff.deliver", traceparent=traceparent_in(claimed.payload), kind=SpanKind.CLIENT,
                 attributes={"http.request.method": "POST", "handoff.delivery_id": claimed.delivery_id}) as span:
            result = await self._attempt(claimed, carried(span))
            if result.status_code is not None:
                span.set_attribute("http.response.status_code", result.status_code)
            if result.error:
                span.set_status(StatusCode.ERROR, result.error[:200])
            return result

    async def _attempt(self, claimed: Claimed, trace_headers: dict[str, str]) -> AttemptResult:
        started, clock = self._now(), time.monotonic()
        # The W3C trace headers beside the event's own traceparent: the receiver's HTTP tracing
        # continues the lead's trace without reading the body.
        headers = {"content-type": STRUCTURED_CONTENT_TYPE, **trace_headers,
                   **signed_headers(claimed.secret, claimed.delivery_id, started, claimed.payload)}
        code, error = None, None
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._client.stream("POST", claimed.url, content=claimed.payload.encode(),
                                               headers=headers) as response:
                    code = response.status_code
                    if not delivered(code):
                        error = f"HTTP {code}: {await _head(response)}"
        except TimeoutError:
            error = f"no answer within {self._timeout_s:g} s"
        except Exception as exc:  # whatever breaks one attempt is that attempt's failure, never the worker's
            error = f"{type(exc).__name__}: {exc}"[:ERROR_BODY_BYTES]
        return AttemptResult(started, (time.monotonic() - clock) * 1000, code, error)

    async def close(self) -> None:
        await self._client.aclose()


async def _head(response: httpx.Response) -> str:
    """The start of an answer's body, never the whole of it."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= ERROR_BODY_BYTES:
            break
    return b"".join(chunks)[:ERROR_BODY_BYTES].decode(errors="replace")
