"""The outbound transport (issue #18): resolves names itself, vets every address, and connects to
the vetted one, so a name cannot be re-pointed between the check and the connection."""

import httpx
import pytest

from services.router.deliveries.egress import DestinationRefused, VettedTransport, vetted_addresses
from tests.support.receiver import Receiver

LIMITS = httpx.Limits(max_connections=4)


class Resolver:
    """A DNS of the test's own: each name to the addresses it is told, counting lookups."""

    def __init__(self, **names: list[str]) -> None:
        self.names, self.lookups = names, 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        if host not in self.names:
            raise OSError("name does not resolve")
        return self.names[host]


@pytest.fixture
async def receiver():
    server = await Receiver().start()
    yield server
    await server.stop()


def _client(resolver: Resolver, allow_loopback: bool) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=VettedTransport(LIMITS, allow_loopback=allow_loopback, resolve=resolver))


async def test_a_name_resolving_inside_is_refused_and_nothing_is_sent(receiver):
    resolver = Resolver(**{"hooks.example": ["10.0.0.7"]})
    async with _client(resolver, allow_loopback=True) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.post(f"http://hooks.example:{receiver.port}/x", content=b"{}")
    assert isinstance(caught.value.__cause__, DestinationRefused)
    assert receiver.requests == []


async def test_a_name_half_inside_is_refused_whole():
    with pytest.raises(DestinationRefused, match="10.0.0.7"):
        await vetted_addresses("mixed.example", 443, allow_loopback=False,
                               resolve=Resolver(**{"mixed.example": ["8.8.8.8", "10.0.0.7"]}))


async def test_the_connection_goes_to_the_vetted_address_with_the_urls_host(receiver):
    resolver = Resolver(**{"hooks.example": ["127.0.0.1"]})
    async with _client(resolver, allow_loopback=True) as client:
        response = await client.post(f"http://hooks.example:{receiver.port}/x", content=b"{}")
    assert response.status_code == 204
    assert receiver.requests[0].headers["host"] == f"hooks.example:{receiver.port}"
    assert resolver.lookups == 1  # resolved once, for the connection it vetted


async def test_loopback_is_refused_unless_the_dev_setting_allows_it(receiver):
    async with _client(Resolver(), allow_loopback=False) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://127.0.0.1:{receiver.port}/x", content=b"{}")
    assert receiver.requests == []


async def test_a_numeric_shorthand_is_refused_before_any_lookup(receiver):
    resolver = Resolver()
    async with _client(resolver, allow_loopback=True) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(f"http://2130706433:{receiver.port}/x", content=b"{}")
    assert resolver.lookups == 0 and receiver.requests == []
