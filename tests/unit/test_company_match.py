"""Lead-to-account matching by company name and website: normalising, scoring, the labelled pairs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.router.routing.domain.accounts import Account
from services.router.routing.domain.company_match import (
    MATCH_AT,
    REVIEW_AT,
    account_for,
    best_match,
    name_score,
    normalise_company,
    website_name,
)
from tests.support.company_pairs import generate_pairs

ACME = Account("acme", ("acme.com",), "rep-a", name="Acme Corporation")
GLOBEX = Account("globex", (), "rep-b", name="Globex Logistics GmbH")


@pytest.mark.parametrize(("written", "normal"), [
    ("ACME Corp.", "acme"), ("Acme Corporation", "acme"), ("The Acme Company", "acme"),
    ("Müller & Söhne GmbH", "muller sohne"), ("Lefèvre S.A.", "lefevre"), ("Smith, Jones L.L.C.", "smith jones"),
    ("Acme Inc.", "acme"), ("O'Neil Partners Ltd", "oneil partners"), ("Straße AG", "strasse"),
])
def test_legal_suffixes_case_punctuation_and_accents_are_normalised_away(written, normal):
    assert normalise_company(written) == normal


def test_a_name_that_is_only_a_legal_form_keeps_it():
    assert normalise_company("Company") == "company"


def test_acme_corp_and_acme_corporation_are_one_company():
    assert name_score(normalise_company("ACME Corp."), normalise_company("Acme Corporation")) == 100


def test_a_different_line_of_business_is_at_best_a_weak_match():
    score = name_score(normalise_company("Evergreen Castaneda Labs"), normalise_company("Evergreen Castaneda Solar"))
    assert score < MATCH_AT


def test_names_that_differ_only_in_spacing_match():
    assert name_score("blue field energy", "bluefield energy") >= MATCH_AT


@pytest.mark.parametrize(("website", "name"), [
    ("https://www.acme-corp.com/about", "acme"), ("acmecorp.co.uk", "acme"), ("globex.de", "globex"),
    ("not a website", None),
])
def test_a_website_is_reduced_to_the_name_in_its_domain(website, name):
    assert website_name(website) == name


def test_the_best_match_records_the_method_the_score_and_what_was_compared():
    found = best_match({"company": "ACME Corp."}, [(ACME, ACME.name), (GLOBEX, GLOBEX.name)])
    assert found.explain() == {"account_id": "acme", "score": 100.0, "method": "name", "lead": "ACME Corp.",
                               "account": "Acme Corporation", "compared": ["acme", "acme"]}


def test_a_website_matches_when_the_company_name_is_missing():
    found = best_match({"website": "https://globex-gmbh.de"}, [(ACME, ACME.name), (GLOBEX, GLOBEX.name)])
    assert found is not None and found.method == "website" and found.account.account_id == "globex"
    assert found.compared == ("globex", "globexlogistics") and not found.strong()


def test_nothing_in_the_review_band_is_no_candidate():
    assert best_match({"company": "Initech"}, [(ACME, ACME.name)]) is None


def test_a_domain_match_comes_first_and_says_so():
    account, how, review = account_for("ada@eu.acme.com", {"company": "Globex Logistics"}, [ACME], [ACME, GLOBEX])
    assert account == ACME and how["method"] == "domain" and how["lead"] == "acme.com" and review is None


def test_a_weak_name_match_gives_no_account_and_a_candidate_for_review():
    account, how, review = account_for(None, {"company": "Globex Logistics Europe"}, [], [ACME, GLOBEX])
    assert account is None and how is None
    assert review["account_id"] == "globex" and REVIEW_AT <= review["score"] < MATCH_AT


def test_on_the_labelled_pairs_precision_is_at_least_098_at_the_match_threshold():
    pairs = generate_pairs(600)
    matched = [p for p in pairs if name_score(normalise_company(p.left), normalise_company(p.right)) >= MATCH_AT]
    true_positives = sum(p.same for p in matched)
    assert len(pairs) >= 500 and sum(p.same for p in pairs) >= 250
    assert true_positives / len(matched) >= 0.98
    assert true_positives / sum(p.same for p in pairs) >= 0.9


@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing(name):
    once = normalise_company(name)
    assert normalise_company(once) == once


@given(st.text(max_size=40), st.text(max_size=40))
def test_the_score_is_symmetric_and_between_0_and_100(a, b):
    x, y = normalise_company(a), normalise_company(b)
    assert name_score(x, y) == name_score(y, x)
    assert 0 <= name_score(x, y) <= 100
