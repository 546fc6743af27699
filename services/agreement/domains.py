"""Company domains for lead-to-account matching: the registrable domain of an email, host or URL.

"ada@eu.sales.acme.co.uk", "https://www.acme.co.uk/about" and "ACME.co.uk" all give "acme.co.uk".
The public suffix list is tldextract's bundled snapshot: no network at run time, so routing never
waits on (or fails with) a download. Only ICANN suffixes count: "acme.github.io" gives "github.io",
which keeps matching about companies rather than hosting platforms.
"""

import functools
from collections.abc import Mapping
from typing import Any

import tldextract

# Where a lead's company domain may be found besides its email, in order of trust.
DOMAIN_ATTRIBUTES = ("website", "company_domain")

FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "icloud.com", "me.com", "mac.com", "aol.com", "msn.com",
    "proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io", "zoho.com", "fastmail.com",
    "hey.com", "mail.com", "web.de", "t-online.de", "freenet.de", "orange.fr", "laposte.net",
    "free.fr", "libero.it", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "qq.com", "163.com",
    "126.com", "sina.com", "naver.com", "rediffmail.com", "seznam.cz", "wp.pl", "o2.pl",
})
# Providers with a domain per country (yahoo.co.uk, hotmail.fr, gmx.net...): matched by name.
FREE_MAIL_NAMES = frozenset({"yahoo", "ymail", "hotmail", "outlook", "live", "gmx", "yandex"})


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # Made on first use, not at import: no file reads when the module is merely imported.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


def _ascii(domain: str) -> str:
    # "bücher.de" and "xn--bcher-kva.de" are one domain; compare the ASCII form.
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def registrable_domain(host_or_email_or_url: Any) -> str | None:
    """The domain one level under its public suffix ("acme.co.uk"); None for IPs, bare names, non-text."""
    if not isinstance(host_or_email_or_url, str):
        return None
    value = host_or_email_or_url.strip().lower().rstrip(".")
    if not value:
        return None
    parts = _extractor()(value)
    if not parts.domain or not parts.suffix:
        return None  # an IP address, "localhost", a company name, an unknown suffix
    return _ascii(f"{parts.domain}.{parts.suffix}")


def is_free_mail(domain: str) -> bool:
    """Whether a registrable domain belongs to a free mail provider (gmail.com, yahoo.co.uk...)."""
    return domain in FREE_MAIL or domain.split(".", 1)[0] in FREE_MAIL_NAMES


def lead_domains(email: str | None, attributes: Mapping[str, Any]) -> tuple[str, ...]:
    """A lead's company domains, most telling first: email, then website, company_domain; no free mail."""
    found: list[str] = []
    for value in (email, *(attributes.get(name) for name in DOMAIN_ATTRIBUTES)):
        domain = registrable_domain(value)
        if domain and not is_free_mail(domain) and domain not in found:
            found.append(domain)
    return tuple(found)
