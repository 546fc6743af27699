"""A local HTTP receiver for outbound deliveries: answers are scripted per path and per webhook-id.

A plain asyncio server on 127.0.0.1 (one request per connection), so a test can make an endpoint
fail, stall past the sender's timeout, or recover, and see every request that reached it.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

STALL = -1  # a script's answer: hold the request open for `stall_s`, then answer 200 (too late)
Script = Callable[[int], int]  # the nth request (1-based) of one webhook-id -> status code or STALL


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    at: float  # time.monotonic()
    wall: datetime  # when it arrived, to compare with times the services stored
    answer: int  # the status code sent, or STALL
    raw: bytes = b""  # the body as sent (an OTLP export is protobuf, not text)


@dataclass
class Receiver:
    stall_s: float = 5.0
    body: bytes = b"ok"  # of every answer (a test may put what an endpoint must never leak here)
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, Script] = field(default_factory=dict)
    # Per path: the problems of a body (empty: fine); a body with problems gets 400, as Slack and Teams answer.
    checks: dict[str, Callable[[str], list[str]]] = field(default_factory=dict)
    _seen: Counter = field(default_factory=Counter)
    _server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def start(self) -> "Receiver":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode()
            headers = {}
            while (line := (await reader.readline()).decode().strip()):
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            body = raw.decode(errors="replace")
            path = request_line.split(" ")[1]
            self._seen[(path, headers.get("webhook-id"))] += 1
            answer = self.scripts.get(path, lambda n: 204)(self._seen[(path, headers.get("webhook-id"))])
            if path in self.checks and self.checks[path](body):
                answer = 400
            self.requests.append(Received(path, headers, body, time.monotonic(), datetime.now(UTC), answer, raw))
            if answer == STALL:
                await asyncio.sleep(self.stall_s)
                answer = 200
            writer.write(f"HTTP/1.1 {answer} X\r\ncontent-length: {len(self.body)}\r\nconnection: close\r\n\r\n"
                         .encode() + self.body)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the sender gave up (its timeout) or went away
        finally:
            writer.close()
