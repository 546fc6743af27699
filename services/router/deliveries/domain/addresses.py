"""Which addresses outbound deliveries may reach: vetted global unicast only (pure).

Checked on the literal host of a URL when a subscription is saved, and on every address a host
name resolves to when a request is sent (the connection then goes to that vetted address).
"""

import ipaddress
import re

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
CGNAT = ipaddress.ip_network("100.64.0.0/10")
# A host whose last label is a number is an IPv4 address to browsers and to inet_aton:
# 2130706433, 0x7f.1, 127.1 and 0177.0.0.1 are all 127.0.0.1.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if any(address in net for net in NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why a delivery may not connect to `address`, or None. Only loopback is ever allowed beyond
    global unicast, and only when `allow_loopback` (HANDOFF_DELIVERY_ALLOW_HTTP_LOCALHOST)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return f"{address} is an IPv4-mapped address; use the IPv4 address itself"
        inner = _embedded_ipv4(address)
        if inner is not None and address_problem(inner, allow_loopback=False):
            return f"{address} carries the non-public address {inner}"
    if address.is_loopback:
        return None if allow_loopback else f"{address} is a loopback address"
    for refused, what in ((address.is_multicast, "multicast"), (address.is_unspecified, "unspecified"),
                          (address.is_link_local, "link-local"), (address in CGNAT, "carrier-grade NAT"),
                          (address.is_private, "private"), (address.is_reserved, "reserved"),
                          (not address.is_global, "not globally routable")):
        if refused:
            return f"{address} is a {what} address"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host is written as (`[::1]` without brackets), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def host_problem(host: str, *, allow_loopback: bool) -> str | None:
    """Why the host of a URL is refused as written, before any resolution, or None."""
    host = host.rstrip(".").lower()
    address = literal_address(host)
    if address is not None:
        return address_problem(address, allow_loopback=allow_loopback)
    if _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]):
        return f"{host!r} is a numeric shorthand of an IPv4 address; write the address in full"
    if (host == "localhost" or host.endswith(".localhost")) and not allow_loopback:
        return f"{host!r} is a loopback host"
    return None


def is_loopback_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    address = literal_address(host)
    return host == "localhost" or host.endswith(".localhost") or bool(address and address.is_loopback)
