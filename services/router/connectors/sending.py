"""A connector's delivery attempt: the delivered CloudEvent becomes the CRM's API calls.

The worker leases, retries with backoff (never sooner than a 429's Retry-After), logs each
attempt and replays exactly as for a webhook; a connector only turns one attempt into requests.
What breaks an attempt is its result (status code, reason), never the worker's.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx
import orjson

from services.router.connectors.domain.notes import OwnerChange, owner_change
from services.router.connectors.ports import Owners
from services.router.deliveries.domain.delivery import retry_after_seconds
from services.router.deliveries.store import AttemptResult, Claimed

log = logging.getLogger(__name__)


class CrmRefused(Exception):
    """The CRM answered with an error (or not at all): this attempt failed, retried by the worker."""

    def __init__(self, reason: str, status_code: int | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.status_code, self.retry_after_s = status_code, retry_after_s


def refused(response: httpx.Response, what: str, now: datetime) -> CrmRefused:
    """The failure of an answer that is not 2xx: its status, and the Retry-After a 429 or 503 carries."""
    return CrmRefused(f"{what}: HTTP {response.status_code}", response.status_code,
                      retry_after_seconds(response.headers.get("retry-after"), now))


# One attempt of one owner change: (the change, the CRM user id of its rep) -> the status code to log.
Act = Callable[[OwnerChange, str], Awaitable[int]]


class ConnectorSender:
    def __init__(self, connector: str, owners: Owners, act: Act, client: httpx.AsyncClient,
                 timeout_s: float, now: Callable[[], datetime]) -> None:
        self._connector, self._owners, self._act, self._client = connector, owners, act, client
        self._timeout_s, self._now = timeout_s, now

    async def send(self, claimed: Claimed) -> AttemptResult:
        """Sets the owner (and leaves the note) the event asks for, bounded by the delivery timeout as a whole."""
        started, clock = self._now(), time.monotonic()
        code, error, retry_after = None, None, None
        try:
            async with asyncio.timeout(self._timeout_s):
                code = await self._attempt(claimed)
        except TimeoutError:
            error = f"no answer within {self._timeout_s:g} s"
        except CrmRefused as exc:
            code, error, retry_after = exc.status_code, str(exc), exc.retry_after_s
        except httpx.HTTPError as exc:
            error = f"{self._connector}: transport error ({type(exc).__name__})"
        except Exception as exc:  # whatever breaks one attempt is that attempt's failure
            error = f"{self._connector}: attempt failed ({type(exc).__name__})"
            log.warning("connector attempt failed", extra={"delivery_id": claimed.delivery_id, "error": repr(exc)})
        return AttemptResult(started, (time.monotonic() - clock) * 1000, code, error, retry_after)

    async def _attempt(self, claimed: Claimed) -> int:
        change = owner_change(orjson.loads(claimed.payload))
        if change is None:
            return 204  # nothing for the CRM in this event: delivered as a no-op
        holder = await self._owners.current_rep(change.lead_key)
        if holder is not None and holder != change.rep_id:
            # A later assignment's delivery set (or will set) the owner: a retried older one must not undo it.
            log.info("connector: owner change superseded", extra={"delivery_id": claimed.delivery_id})
            return 204
        owner_id = await self._owners.owner_of(self._connector, change.rep_id)
        if owner_id is None:  # retried: importing the owner mapping lets the next attempt through
            raise CrmRefused(f"no {self._connector} owner for rep {change.rep_id!r}: import it"
                             f" (PUT /v1/connectors/{self._connector}/owners)")
        return await self._act(change, owner_id)

    async def close(self) -> None:
        await self._client.aclose()
