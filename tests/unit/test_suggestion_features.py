"""Feature encoding for suggestions: what becomes a column, and which leads it holds for."""

from datetime import UTC, datetime, timedelta

from schemas.events import ActivityKind
from services.agreement.text import parse_agreement
from services.scorer.scoring.domain.scoring import Touch
from services.scorer.suggestions.domain.features import (
    bin_feature,
    discover,
    encode,
    ladder_edges,
    slug,
    touched_rules,
)
from tests.support.agreements import EXAMPLE


def _records(n: int = 60) -> list[dict]:
    return [{"industry": ("fintech", "retail", "software")[i % 3], "employees": 10 * (i + 1),
             "title": "VP Sales" if i % 2 else "Student", "company": f"Co {i}", "email_domain": f"co{i}.com",
             "free_mail": i % 4 == 0, "rep": "ann"} for i in range(n)]


def _ids(features) -> set[str]:
    return {f.id for f in features}


def test_a_categorical_attribute_becomes_one_column_per_value():
    ids = _ids(discover(_records()))
    assert {"industry_fintech", "industry_retail", "industry_software"} <= ids


def test_a_numeric_attribute_is_cut_on_the_1_2_5_ladder_where_each_range_keeps_enough_leads():
    # 20 would leave 19 values below it; 500 none above
    assert ladder_edges([float(v) for v in range(1, 301)], min_support=20) == [50.0, 100.0, 200.0]


def test_a_range_holds_from_its_lower_bound_up_to_but_not_including_its_upper():
    feature = bin_feature("employees", 50, 1000)
    assert encode([feature], {"employees": 50}) == [1.0]
    assert encode([feature], {"employees": 999}) == [1.0]
    assert encode([feature], {"employees": 1000}) == [0.0]
    assert feature.label == "employees 50 to 999"


def test_title_words_shared_by_enough_leads_become_keyword_columns():
    ids = _ids(discover(_records()))
    assert {"title_vp", "title_sales", "title_student"} <= ids


def test_a_keyword_matches_a_whole_word_in_any_case():
    (vp,) = [f for f in discover(_records()) if f.id == "title_vp"]
    assert encode([vp], {"title": "SVP of vp-level things"}) == [1.0]
    assert encode([vp], {"title": "Svpx"}) == [0.0]


def test_free_mail_is_an_email_trait_column():
    assert "free_mail" in _ids(discover(_records(100)))


def test_names_of_leads_and_companies_never_become_columns():
    assert not any(i.startswith(("company", "email_domain")) for i in _ids(discover(_records())))


def test_an_attribute_set_after_the_handoff_is_never_learned_from():
    assert not any(i.startswith("rep") for i in _ids(discover(_records())))


def test_a_value_fewer_leads_share_than_the_minimum_is_left_out():
    records = _records() + [{"industry": "mining"}]
    assert "industry_mining" not in _ids(discover(records))


def test_each_engagement_rule_is_a_column_that_holds_when_the_lead_did_it():
    features = discover(_records(), engagement_rules=["demo_request"])
    (demo,) = [f for f in features if f.rule == "demo_request"]
    assert encode([demo], {}, {"demo_request"}) == [1.0]
    assert encode([demo], {}, set()) == [0.0]


def test_touches_after_the_handoff_count_for_no_engagement_rule():
    doc = parse_agreement(EXAMPLE.read_text(), "yaml")
    handoff = datetime(2026, 1, 10, tzinfo=UTC)
    touches = [Touch("a", ActivityKind.PAGE_VIEW, handoff - timedelta(days=1), url="https://x/pricing"),
               Touch("b", ActivityKind.DEMO_REQUEST, handoff + timedelta(days=1))]
    assert touched_rules(doc.engagement.rules_for, touches, handoff) == {"pricing_page"}


def test_a_rule_id_is_one_the_agreement_accepts():
    assert slug("industry", "E-Commerce & Retail!") == "industry_e_commerce_retail"
