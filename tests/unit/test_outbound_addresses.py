"""Which destinations outbound deliveries may reach (issue #18): global unicast only."""

import ipaddress

import pytest

from services.router.deliveries.domain.addresses import address_problem, host_problem
from services.router.deliveries.domain.delivery import url_problem

REFUSED = ["10.0.0.8", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "239.1.2.3",
           "0.0.0.0", "255.255.255.255", "240.0.0.1", "192.0.2.1", "198.18.0.1", "fe80::1", "fc00::1", "ff02::1",
           "2001:db8::1", "::", "::ffff:8.8.8.8", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:a00:1::",
           "2001:0:4136:e378:8000:63bf:f5ff:fffe"]


@pytest.mark.parametrize("address", REFUSED)
def test_private_link_local_cgnat_multicast_reserved_and_embedded_addresses_are_refused(address):
    assert address_problem(ipaddress.ip_address(address), allow_loopback=True)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700::1111"])
def test_global_unicast_addresses_are_allowed(address):
    assert address_problem(ipaddress.ip_address(address), allow_loopback=False) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_only_when_the_dev_setting_allows_it(address):
    assert address_problem(ipaddress.ip_address(address), allow_loopback=True) is None
    assert "loopback" in address_problem(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize("host", ["2130706433", "0x7f.1", "127.1", "0177.0.0.1", "0x7f000001", "10.1", "a.0x10"])
def test_numeric_shorthands_of_ipv4_addresses_are_refused_as_written(host):
    assert "numeric shorthand" in host_problem(host, allow_loopback=True)


@pytest.mark.parametrize("host", ["crm.example.com", "hooks.example.com.", "a1.example", "8.8.8.8"])
def test_names_and_full_public_addresses_pass_the_written_check(host):
    assert host_problem(host, allow_loopback=False) is None


@pytest.mark.parametrize("url", ["https://2130706433/", "https://0x7f.1/", "https://127.1/", "https://[::ffff:7f00:1]/",
                                 "https://100.64.0.1/", "https://224.0.0.1/", "https://localhost./"])
def test_a_subscription_url_naming_an_inside_address_is_refused(url):
    assert url_problem(url, allow_loopback=False).startswith("refused destination")
