"""A minimal HTTP/1.1 keep-alive client for the load generators.

The benchmarks run the load generator on the same two cores as the services, Kafka and
PostgreSQL; httpx costs about a millisecond of CPU per request, which at a few hundred requests
per second takes most of a core from what is being measured. This client writes a prepared
request and reads the status line, headers and body by Content-Length, nothing more.
"""

import asyncio
from urllib.parse import urlsplit


class RawHttpPool:
    def __init__(self, url: str, connections: int, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self._host, self._port, self._path = parts.hostname, parts.port or 80, parts.path or "/"
        self._size = connections
        self._head = "".join(f"{k}: {v}\r\n" for k, v in {"host": f"{self._host}:{self._port}", **headers}.items())
        self._idle: asyncio.Queue = asyncio.Queue()

    async def __aenter__(self) -> "RawHttpPool":
        for _ in range(self._size):
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
        return self

    async def __aexit__(self, *exc) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()

    async def post(self, body: bytes) -> int:
        """POSTs `body` on a free connection; returns the status code (a broken connection is replaced)."""
        reader, writer = await self._idle.get()
        try:
            writer.write(f"POST {self._path} HTTP/1.1\r\n{self._head}content-length: {len(body)}\r\n\r\n".encode()
                         + body)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            self._idle.put_nowait((reader, writer))
            return int(status_line.split()[1])
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            writer.close()
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
            raise
