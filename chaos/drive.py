"""Sending the load at a steady rate: straight to Kafka, or through the services' HTTP APIs."""

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import orjson

from chaos.crm import Activity
from chaos.fleet import Fleet
from chaos.generate import STRUCTURED, Record
from chaos.kafka_io import Sender

T = TypeVar("T")
TICK_S = 0.1
RETRY_S = 0.5
RETRYABLE = {500, 502, 503, 504}  # the service or what it needs is away: try again, maybe elsewhere


class HarnessError(RuntimeError):
    """The harness itself sent something a service refused: a bug of the harness, not a finding."""


@dataclass
class Poster:
    """Posts to whichever process of a service is up, until one answers 202."""

    fleet: Fleet
    auth: dict[str, str]
    client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))
    retries: int = 0  # requests sent again after a refused connection or a 5xx
    _turn: itertools.count = field(default_factory=itertools.count)

    async def post(self, service: str, path: str, body: bytes, content_type: str) -> dict:
        while True:
            urls = self.fleet.urls(service)
            if urls:
                url = urls[next(self._turn) % len(urls)]
                try:
                    response = await self.client.post(f"{url}{path}", content=body,
                                                      headers={**self.auth, "content-type": content_type})
                    if response.status_code == 202:
                        return response.json()
                    if response.status_code not in RETRYABLE:
                        raise HarnessError(f"{service} {path} answered {response.status_code}: {response.text[:500]}")
                except httpx.TransportError:
                    pass  # killed mid-request: what it produced before dying is a harmless duplicate
            self.retries += 1
            await asyncio.sleep(RETRY_S)

    async def close(self) -> None:
        await self.client.aclose()


async def paced(items: Sequence[T], rate: float, send: Callable[[list[T]], Awaitable[None]]) -> float:
    """Calls `send` with consecutive chunks so that `rate` items/s go out; returns the seconds it took.
    A send that blocks (broker down) delays the rest, which then catch up as fast as they can."""
    chunk = max(1, int(rate * TICK_S))
    began = time.monotonic()
    for start in range(0, len(items), chunk):
        due = began + start / rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        await send(list(items[start:start + chunk]))
    return time.monotonic() - began


class Background:
    """HTTP posts run beside the Kafka sends, a few at a time, and are all awaited at the end."""

    def __init__(self, limit: int = 4) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._tasks: list[asyncio.Task] = []

    async def submit(self, coro: Awaitable) -> None:
        await self._slots.acquire()

        async def run():
            try:
                return await coro
            finally:
                self._slots.release()

        self._tasks.append(asyncio.create_task(run()))

    async def join(self) -> list:
        return await asyncio.gather(*self._tasks)


async def send_engagement(records: list[Record], rate: float, topic: str, sender: Sender, poster: Poster) -> float:
    """Phase 1: the engagement stream (valid, copies, poison), HTTP items as batches of their chunk."""
    background = Background()

    async def send(chunk: list[Record]) -> None:
        http = [r.value for r in chunk if r.path == "http"]
        if http:
            body = b"[" + b",".join(http) + b"]"
            await background.submit(poster.post("scorer", "/v1/events", body, "application/cloudevents-batch+json"))
        kafka = [(r.key, r.value, STRUCTURED) for r in chunk if r.path == "kafka"]
        if kafka:
            await sender.send_all(topic, kafka)

    took = await paced(records, rate, send)
    await background.join()
    return took


async def send_crm(activities: list[Activity], rate: float, topic: str, sender: Sender,
                   poster: Poster) -> tuple[float, int]:
    """Phase 2: CRM activities through POST /v1/crm/activities or straight to the topic; returns
    the seconds it took and how many the API reported as duplicates."""
    background = Background()

    async def send(chunk: list[Activity]) -> None:
        http = [a.body for a in chunk if a.path == "http"]
        if http:
            await background.submit(poster.post("router", "/v1/crm/activities", orjson.dumps(http), "application/json"))
        kafka = [(a.lead_key.encode(), a.cloudevent(), STRUCTURED) for a in chunk if a.path == "kafka"]
        if kafka:
            await sender.send_all(topic, kafka)

    took = await paced(activities, rate, send)
    answers = await background.join()
    return took, sum(len(a.get("duplicates", [])) for a in answers)
