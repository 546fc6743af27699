"""The one way out for outbound deliveries: an httpx transport that resolves each host itself,
vets every address the name resolves to, and connects to a vetted one.

The check and the connection use the same resolution (the socket is opened to the address that
was vetted, the name never resolved again), so a name cannot be re-pointed inside between the
two (DNS rebinding). TLS still verifies the certificate against the host name: the SNI and the
Host header are the URL's, only the TCP connection is pinned. A refused destination fails the
attempt with `DestinationRefused`; nothing is sent.
"""

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from services.router.deliveries.domain.addresses import address_problem, host_problem, literal_address

Resolve = Callable[[str, int], Awaitable[list[str]]]


class DestinationRefused(httpcore.ConnectError):
    """The destination is, or resolves to, an address deliveries may not reach."""


class Unresolvable(DestinationRefused):
    """The host name does not resolve (now): nothing to connect to."""


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, by the system resolver, without blocking the loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def vetted_addresses(host: str, port: int, *, allow_loopback: bool,
                           resolve: Resolve = resolve_host) -> list[str]:
    """The addresses of `host` to connect to; DestinationRefused when the host as written, or any
    address it resolves to, is not a public one (a name half inside is refused whole)."""
    problem = host_problem(host, allow_loopback=allow_loopback)
    if problem:
        raise DestinationRefused(problem)
    try:
        addresses = [host.strip("[]")] if literal_address(host) else await resolve(host.rstrip("."), port)
    except OSError as exc:
        raise Unresolvable(f"{host!r} does not resolve") from exc
    if not addresses:
        raise Unresolvable(f"{host!r} does not resolve")
    for address in addresses:
        parsed = literal_address(address.split("%", 1)[0])
        problem = address_problem(parsed, allow_loopback=allow_loopback) if parsed else "not an address"
        if problem:
            raise DestinationRefused(f"{host!r} resolves to a refused address: {problem}")
    return addresses


class VettingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to vetted addresses of the requested host."""

    def __init__(self, allow_loopback: bool, resolve: Resolve = resolve_host,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._allow_loopback, self._resolve = allow_loopback, resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await vetted_addresses(host, port, allow_loopback=self._allow_loopback, resolve=self._resolve)
        failure: Exception | None = None
        for address in addresses:  # each vetted; the first that answers is the connection
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise DestinationRefused("deliveries never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class VettedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose every connection goes through `VettingBackend`.
    Environment proxies do not apply (they would connect on our behalf, unvetted)."""

    def __init__(self, limits: httpx.Limits, *, allow_loopback: bool, resolve: Resolve = resolve_host) -> None:
        super().__init__(limits=limits, trust_env=False)
        # httpx builds its pool without a way to pass a network backend; the same pool, with ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections, max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=VettingBackend(allow_loopback, resolve))
