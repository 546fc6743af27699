import pytest

from services.agreement.domains import is_free_mail, lead_domains, registrable_domain


@pytest.mark.parametrize("value, expected", [
    ("ada@eu.sales.acme.co.uk", "acme.co.uk"),
    ("https://www.acme.com/x", "acme.com"),
    ("acme.com/about", "acme.com"),
    ("HTTPS://User@WWW.Acme.COM:8443/path?q=1", "acme.com"),
    ("shop.acme.com.", "acme.com"),
    ("acme.com.au", "acme.com.au"),
    ("bücher.de", "xn--bcher-kva.de"),
])
def test_the_registrable_domain_drops_subdomains_and_keeps_multi_part_suffixes(value, expected):
    assert registrable_domain(value) == expected


@pytest.mark.parametrize("value", [None, "", "Acme Inc", "localhost", "10.0.0.1", "http://[::1]/", 42])
def test_a_value_without_a_public_suffix_has_no_domain(value):
    assert registrable_domain(value) is None


def test_hosting_platforms_count_as_their_platform_not_as_the_customer():
    assert registrable_domain("acme.github.io") == "github.io"


@pytest.mark.parametrize("domain", ["gmail.com", "yahoo.co.uk", "hotmail.fr", "gmx.net", "web.de"])
def test_free_mail_providers_are_recognised_in_every_country(domain):
    assert is_free_mail(domain)


def test_a_company_domain_is_not_free_mail():
    assert not is_free_mail("acme.co.uk")


def test_lead_domains_come_email_first_then_website_then_company_domain():
    domains = lead_domains("ada@mail.acme.co.uk", {"website": "https://globex.com", "company_domain": "initech.io"})
    assert domains == ("acme.co.uk", "globex.com", "initech.io")


def test_lead_domains_skip_free_mail_and_repeats():
    assert lead_domains("kim@gmail.com", {"website": "www.acme.com", "company_domain": "acme.com"}) == ("acme.com",)


def test_a_free_mail_lead_without_a_website_has_no_domain():
    assert lead_domains("kim@yahoo.co.uk", {}) == ()


def test_domains_are_found_offline_from_the_bundled_suffix_list(monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    from services.agreement import domains
    domains._extractor.cache_clear()
    assert registrable_domain("x.y.acme.co.jp") == "acme.co.jp"
