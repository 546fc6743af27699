"""One delivery attempt over HTTP: a signed POST, bounded as a whole, its outcome recorded as data."""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus

import httpx
from opentelemetry.trace import SpanKind, StatusCode

from services.router.deliveries.domain.delivery import delivered
from services.router.deliveries.egress import DestinationRefused
from services.router.deliveries.sealing import SecretBox, SecretsUnavailable
from services.router.deliveries.signing import signed_headers
from services.router.deliveries.store import AttemptResult, Claimed
from services.shared.cloudevents import STRUCTURED_CONTENT_TYPE
from services.shared.tracing import carried, hop, traceparent_in

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 300


class Sender:
    def __init__(self, client: httpx.AsyncClient, timeout_s: float, now: Callable[[], datetime],
                 box: SecretBox | None) -> None:
        self._client, self._timeout_s, self._now, self._box = client, timeout_s, now, box

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
        try:
            if self._box is None:
                raise SecretsUnavailable("HANDOFF_SECRETS_KEY is not set: signing secrets cannot be opened")
            secrets = [self._box.open(sealed) for sealed in claimed.secrets]
        except SecretsUnavailable as exc:
            return AttemptResult(started, 0.0, None, str(exc))
        # The W3C trace headers beside the event's own traceparent: the receiver's HTTP tracing
        # continues the lead's trace without reading the body.
        content_type = STRUCTURED_CONTENT_TYPE if claimed.format == "cloudevent" else "application/json"
        headers = {"content-type": content_type, **trace_headers,
                   **signed_headers(secrets, claimed.delivery_id, started, claimed.payload)}
        code, error = None, None
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._client.stream("POST", claimed.url, content=claimed.payload.encode(),
                                               headers=headers) as response:
                    code = response.status_code  # the body is never read: nothing of it is kept
                    if not delivered(code):
                        error = f"HTTP {code} {_reason(code)}"
        except TimeoutError:
            error = f"no answer within {self._timeout_s:g} s"
        except Exception as exc:  # whatever breaks one attempt is that attempt's failure, never the worker's
            error = _failure(exc)
            log.info("delivery attempt failed", extra={"delivery_id": claimed.delivery_id, "error": repr(exc)})
        return AttemptResult(started, (time.monotonic() - clock) * 1000, code, error)

    async def close(self) -> None:
        await self._client.aclose()


def _reason(code: int) -> str:
    """Our own name of a status code (never the endpoint's reason phrase, which it writes)."""
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def _failure(exc: BaseException) -> str:
    """A short reason an operator can act on; what the endpoint answered or the network said stays
    in the log only, so the API never echoes anything from inside a network."""
    refused = exc if isinstance(exc, DestinationRefused) else exc.__cause__
    if isinstance(refused, DestinationRefused):
        return f"destination refused: {refused}"[:MAX_ERROR_CHARS]
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.HTTPError):
        return f"transport error ({type(exc).__name__})"
    return f"attempt failed ({type(exc).__name__})"
