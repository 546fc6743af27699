"""Lead-to-account matching beyond the email domain: company names and website names. Pure.

Both sides are normalised first (`normalise_company`): accents folded, case folded, `&` read as
"and", punctuation dropped, a leading "the" and trailing legal suffixes ("Inc.", "Corporation",
"GmbH", "S.A.", ...) removed, so "ACME Corp." and "Acme Corporation" are both "acme". Names are
then scored with rapidfuzz's token-sort ratio (0-100, word order ignored); a website is reduced to
its registrable domain's name ("www.acme-corp.co.uk" -> "acme"), compared without spaces.

A score at or above `match_at` matches; one in [`review_at`, `match_at`) is a weak match: the lead
routes as if unmatched, and the candidate is queued for ops review. The thresholds were chosen on
the labelled pairs of `tests/support/company_pairs.py` (`python -m bench matcher` prints precision
and recall); see docs/routing.md.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from services.agreement.domains import lead_domains, registrable_domain
from services.router.routing.domain.accounts import Account, match_account

MATCH_AT = 90.0
REVIEW_AT = 75.0
WORD_AT = 75.0  # two words are counterparts ("analytics" / "analytcs")
SAME_SPELLING_AT = 95.0  # the names without spaces are this alike: spacing was the only difference
WEAK_CAP = MATCH_AT - 1
NAME_ATTRIBUTES = ("company", "company_name")
WEBSITE_ATTRIBUTES = ("website", "company_domain")

# Legal forms, as tokens after punctuation is dropped ("S.A." -> "sa", "L.L.C." -> "llc").
LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "lp",
    "plc", "gmbh", "mbh", "ag", "kg", "ohg", "ug", "se", "sa", "sas", "sarl", "srl", "spa", "sl", "bv", "nv",
    "oy", "oyj", "ab", "as", "asa", "aps", "pty", "pte", "kk", "sro", "sp", "zoo", "ooo", "pvt",
})
_GLUED = ("corporation", "corp", "inc", "gmbh", "llc", "ltd")  # "acmecorp.com": a suffix glued to the name
_JOINED = str.maketrans("", "", ".'’`")  # dropped without a space: "S.A." is "SA", "O'Neil" is "ONeil"
_SPLIT = re.compile(r"[^0-9a-z]+")


def normalise_company(name: str) -> str:
    """The comparable form of a company name: folded, no punctuation, no leading "the" or legal suffixes."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    folded = folded.casefold().replace("ß", "ss").replace("&", " and ").replace("+", " and ").translate(_JOINED)
    tokens = [t for t in _SPLIT.split(folded) if t and t != "and"]  # "Smith & Jones" is "Smith Jones"
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


def website_name(website: str) -> str | None:
    """The name in a website's registrable domain, normalised ("https://www.acme-corp.com" -> "acme")."""
    domain = registrable_domain(website)
    if domain is None:
        return None
    label = domain.split(".", 1)[0]
    name = normalise_company(label.replace("-", " "))
    compact = name.replace(" ", "")
    for suffix in _GLUED:
        if compact.endswith(suffix) and len(compact) - len(suffix) >= 3:
            return compact[: -len(suffix)]
    return compact


def _words_agree(a: str, b: str) -> bool:
    """Whether every word of each name has a close counterpart in the other."""
    left, right = a.split(), b.split()
    return all(any(fuzz.ratio(w, v) >= WORD_AT for v in right) for w in left) and \
        all(any(fuzz.ratio(w, v) >= WORD_AT for v in left) for w in right)


def name_score(a: str, b: str) -> float:
    """0-100: how alike two normalised names are, word order and spacing ignored.

    A name with a word the other lacks ("Evergreen Labs" / "Evergreen Solar") is at best a weak
    match, however long the words they share: the score is capped below MATCH_AT. Names that
    differ only in spacing ("Blue Field" / "Bluefield") are compared without spaces.
    """
    if not a or not b:
        return 0.0
    compact = float(fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
    score = max(float(fuzz.token_sort_ratio(a, b)), compact)
    if compact < SAME_SPELLING_AT and not _words_agree(a, b):
        return min(score, WEAK_CAP)
    return score


def site_score(site: str, compact_name: str) -> float:
    """0-100: a website's name against an account name without spaces. A website that only holds the
    name's first words ("globex.de" for "Globex Logistics") is at best a weak match."""
    if not site or not compact_name:
        return 0.0
    whole = float(fuzz.ratio(site, compact_name))
    if len(site) >= 4 and compact_name.startswith(site):
        return max(whole, WEAK_CAP)
    return whole


@dataclass(frozen=True)
class AccountMatch:
    """The best account for a lead's company name or website, with the score and what was compared."""

    account: Account
    score: float
    method: str  # "name" or "website"
    lead_value: str  # what the lead said
    account_value: str  # the account's name (or domain) it was compared with
    compared: tuple[str, str]  # the two normalised forms

    def strong(self, match_at: float = MATCH_AT) -> bool:
        return self.score >= match_at

    def explain(self) -> dict[str, Any]:
        return {"account_id": self.account.account_id, "score": round(self.score, 1), "method": self.method,
                "lead": self.lead_value, "account": self.account_value, "compared": list(self.compared)}


def _text(attributes: Mapping[str, Any], names: Iterable[str]) -> str | None:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def best_match(attributes: Mapping[str, Any], accounts: Iterable[tuple[Account, str]],
               review_at: float = REVIEW_AT) -> AccountMatch | None:
    """The best-scoring (account, name) pair for the lead's company name and website, at or above
    `review_at`; ties: name before website, key accounts first, then account id."""
    company, website = _text(attributes, NAME_ATTRIBUTES), _text(attributes, WEBSITE_ATTRIBUTES)
    lead_name = normalise_company(company) if company else ""
    lead_site = website_name(website) if website else None
    best: tuple[tuple[float, bool, bool, str], AccountMatch] | None = None
    for account, account_name in accounts:
        normal = normalise_company(account_name)
        tries = []
        if lead_name:
            tries.append((name_score(lead_name, normal), "name", company or "", account_name, (lead_name, normal)))
        if lead_site:
            compact = normal.replace(" ", "")
            tries.append((site_score(lead_site, compact), "website", website or "", account_name, (lead_site, compact)))
        for score, method, lead_value, account_value, compared in tries:
            if score < review_at:
                continue
            rank = (-score, method != "name", not account.key_account, account.account_id)  # smallest wins
            if best is None or rank < best[0]:
                best = (rank, AccountMatch(account, score, method, lead_value, account_value, compared))
    return best[1] if best else None



def account_for(email: str | None, attributes: Mapping[str, Any], accounts: Iterable[Account],
                named: Iterable[Account]) -> tuple[Account | None, dict[str, Any] | None, dict[str, Any] | None]:
    """The lead's account by domain, else by company name or website (strong matches only), with how
    it matched; and a weak candidate for review when that is all there is."""
    domains = lead_domains(email, attributes)
    account = match_account(domains, accounts)
    if account is not None:
        owned = {registrable_domain(d) for d in account.domains}
        hit = next((d for d in domains if d in owned), None)
        return account, {"account_id": account.account_id, "method": "domain", "score": 100.0,
                         "lead": hit, "account": hit, "compared": [hit, hit]}, None
    found = best_match(attributes, ((a, a.name) for a in named if a.name))
    if found is None:
        return None, None, None
    if found.strong():
        return found.account, found.explain(), None
    return None, None, found.explain()
