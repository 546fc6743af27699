"""The fit memo gives what fit gives, and stays bounded."""

from pathlib import Path

from services.agreement.text import parse_agreement
from services.scorer.scoring.domain.scoring import LeadProfile, fit
from services.scorer.scoring.fit_cache import FitCache

EXAMPLE = parse_agreement(
    (Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text(), "yaml")
LEAD = LeadProfile(email="ada@acme.example", attributes={"employees": 200, "title": "VP Sales", "country": "DE"})


def test_a_cached_fit_equals_a_computed_one():
    cache = FitCache()
    assert cache.fit(1, EXAMPLE, LEAD) == fit(EXAMPLE, LEAD)
    assert cache.fit(1, EXAMPLE, LEAD) == fit(EXAMPLE, LEAD)


def test_changed_attributes_are_fitted_again():
    cache = FitCache()
    student = LeadProfile(email=LEAD.email, attributes={**LEAD.attributes, "title": "Student"})
    assert cache.fit(1, EXAMPLE, student) == fit(EXAMPLE, student)
    assert cache.fit(1, EXAMPLE, LEAD) == fit(EXAMPLE, LEAD)


def test_the_cache_keeps_at_most_its_size():
    cache = FitCache(size=3)
    for i in range(10):
        cache.fit(1, EXAMPLE, LeadProfile(email=f"l{i}@x{i}.example", attributes={}))
    assert len(cache._entries) == 3


def test_leads_with_the_same_fit_share_one_result_object():
    cache = FitCache()
    twin = LeadProfile(email="bea@acme.example", attributes=dict(LEAD.attributes))
    assert cache.fit(1, EXAMPLE, twin) is cache.fit(1, EXAMPLE, LEAD)
    assert cache.fit(1, EXAMPLE, twin) == fit(EXAMPLE, twin)


def test_the_shared_results_stay_bounded():
    cache = FitCache(size=3)
    results = [cache.fit(1, EXAMPLE, LeadProfile(email=f"l{i}@x{i}.example", attributes={"employees": f"lots {i}"}))
               for i in range(10)]
    assert len(set(results)) == 10  # a value named in a mismatch makes each result distinct
    assert len(cache._shared) <= 3
