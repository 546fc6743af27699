import random
from datetime import UTC, datetime, timedelta

from schemas.events import ActivityKind as A
from services.agreement.document import AgreementDocument
from services.agreement.domains import lead_domains
from services.scorer.scoring.domain.scoring import (
    Contribution,
    LeadProfile,
    Touch,
    account_key,
    engagement,
    evaluate,
    fit,
    lead_record,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _doc(half_life_days: float | None = None, account: bool = True) -> AgreementDocument:
    return AgreementDocument.model_validate({
        "name": "test",
        "fit": {
            "rules": [
                {"id": "mid_market", "when": [{"field": "employees", "range": {"gte": 50, "lt": 1000}}], "points": 20},
                {"id": "software", "when": [{"field": "industry", "in": ["software", "saas"]}], "points": 15},
                {"id": "senior", "when": [{"field": "title", "regex": r"(?i)\b(vp|head|director)\b"}], "points": 25},
                {"id": "business_email", "when": [{"field": "free_mail", "equals": False}], "points": 10},
            ],
            "disqualifiers": [
                {"id": "student", "when": [{"field": "title", "regex": r"(?i)\bstudent\b"}], "reason": "student"},
                {"id": "free_mail_no_company", "reason": "free mail without company",
                 "when": [{"field": "free_mail", "equals": True}, {"field": "company", "exists": False}]},
                {"id": "competitor", "when": [{"field": "email_domain", "in": ["rival.com"]}], "reason": "competitor"},
            ],
        },
        "engagement": {
            "rules": [
                {"id": "pricing_page", "activity": "page_view", "when": [{"field": "url", "regex": "/pricing"}],
                 "points": 10},
                {"id": "page_view", "activity": "page_view", "points": 2, "cap": {"points": 5, "window_days": 7}},
                {"id": "demo_request", "activity": "demo_request", "points": 50},
                {"id": "webinar", "activity": "webinar_attended", "points": 15},
                {"id": "unsubscribed", "activity": "unsubscribed", "points": -20},
            ],
            "half_life_days": half_life_days,
            "account": {"enabled": account, "weight": 0.5},
        },
        "sales_ready": {
            "tiers": [{"name": "hot", "min_fit": 50, "min_engagement": 40},
                      {"name": "warm", "min_fit": 30, "min_engagement": 20}],
            "fast_track": [{"activity": "demo_request", "tier": "hot", "min_fit": 30}],
        },
        "sla": {"tiers": [{"name": "hot", "first_touch_minutes": 30, "accept_minutes": 240},
                          {"name": "warm", "first_touch_minutes": 240, "accept_minutes": 960}]},
        "commitments": {"sales_ready_per_week": 50, "min_acceptance_rate": 0.6},
        "rejection_reasons": ["no budget"],
    })


DOC = _doc()
# Fits every rule: 20 (mid_market) + 15 (software) + 25 (senior) + 10 (business_email) = 70
IDEAL = LeadProfile("ana@acme.com", {"company": "Acme", "employees": 200, "industry": "Software", "title": "VP Sales"})
# Fits two rules: 20 (mid_market) + 10 (business_email) = 30
MODEST = LeadProfile("bo@acme.com", {"company": "Acme", "employees": 200, "industry": "retail", "title": "Engineer"})
# Fits three rules: 20 (mid_market) + 15 (software) + 10 (business_email) = 45
MIDDLING = LeadProfile("cy@acme.com", {"company": "Acme", "employees": 200, "industry": "saas", "title": "Engineer"})


def _touch(key: str, activity: A, days: float = 0, url: str | None = None) -> Touch:
    return Touch(key, activity, T0 + timedelta(days=days), url=url)


def _views(*days: float) -> list[Touch]:
    return [_touch(f"v{i}", A.PAGE_VIEW, d, url="/blog") for i, d in enumerate(days)]


# --- fit -------------------------------------------------------------------------------------

def test_fit_sums_the_points_of_every_rule_that_fired_and_explains_each():
    result = fit(DOC, IDEAL)
    assert result.points == 70  # 20 + 15 + 25 + 10
    assert result.contributions == (Contribution("fit.mid_market", 20), Contribution("fit.software", 15),
                                    Contribution("fit.senior", 25), Contribution("fit.business_email", 10))
    assert result.disqualified is None


def test_a_student_is_disqualified_with_its_reason_and_keeps_its_fit_explanation():
    student = LeadProfile("sam@acme.com", {"company": "Acme", "title": "Student assistant"})
    result = fit(DOC, student)
    assert result.disqualified == "student"
    assert result.points == 10  # only business_email fired


def test_free_mail_without_a_company_is_disqualified():
    assert fit(DOC, LeadProfile("kim@Gmail.com", {})).disqualified == "free mail without company"


def test_free_mail_with_a_company_is_not_disqualified():
    assert fit(DOC, LeadProfile("kim@gmail.com", {"company": "Kim GmbH"})).disqualified is None


def test_a_competitor_domain_is_disqualified():
    assert fit(DOC, LeadProfile("spy@rival.com", {"company": "Rival"})).disqualified == "competitor"


def test_a_value_of_the_wrong_type_is_a_recorded_non_match_not_an_error():
    result = fit(DOC, LeadProfile("ana@acme.com", {"employees": "lots", "industry": "saas"}))
    assert result.points == 25  # 15 (software) + 10 (business_email); mid_market did not match
    assert result.mismatches == ("fit.mid_market: employees: 'lots' is not a number",)


def test_a_list_value_under_an_in_rule_is_a_recorded_non_match_not_an_error():
    result = fit(DOC, LeadProfile("ana@acme.com", {"industry": ["saas"]}))
    assert result.points == 10  # business_email only
    assert result.mismatches == ("fit.software: industry: list is not a plain value",)


def test_the_account_is_the_business_email_domain():
    assert account_key(LeadProfile("Ana@Acme.COM", {"website": "https://other.io"})) == "acme.com"


def test_a_free_mail_lead_is_grouped_by_its_company_website():
    assert account_key(LeadProfile("kim@gmail.com", {"website": "https://www.Acme.com/about"})) == "acme.com"


def test_a_national_free_mail_domain_is_no_company():
    assert account_key(LeadProfile("bob@yahoo.co.uk", {})) is None


def test_a_subdomain_belongs_to_its_registrable_domain():
    assert account_key(LeadProfile("ada@eu.sales.acme.co.uk", {})) == "acme.co.uk"


def test_the_scorer_and_the_router_agree_on_the_company():
    for email in ("ada@eu.sales.acme.co.uk", "bob@yahoo.co.uk", "kim@gmail.com", "Ana@Acme.COM"):
        router_view = lead_domains(email, {})
        assert account_key(LeadProfile(email, {})) == (router_view[0] if router_view else None)


def test_a_national_free_mail_address_counts_as_free_mail_for_fit_rules():
    assert lead_record(LeadProfile("bob@hotmail.fr", {}))["free_mail"] is True


def test_a_free_mail_lead_without_a_website_has_no_account():
    assert account_key(LeadProfile("kim@gmail.com", {})) is None


# --- engagement ------------------------------------------------------------------------------

def test_each_touch_scores_the_first_rule_that_matches_it():
    touches = [_touch("a", A.PAGE_VIEW, url="https://x.io/pricing"), _touch("b", A.PAGE_VIEW, url="/blog"),
               _touch("c", A.WEBINAR_ATTENDED)]
    result = engagement(DOC, touches, T0)
    assert result.points == 27  # 10 (pricing_page, not page_view) + 2 (page_view) + 15 (webinar)
    assert result.contributions == (Contribution("engagement.pricing_page", 10),
                                    Contribution("engagement.page_view", 2), Contribution("engagement.webinar", 15))


def test_negative_points_subtract():
    touches = [_touch("a", A.WEBINAR_ATTENDED), _touch("b", A.UNSUBSCRIBED, 1)]
    assert engagement(DOC, touches, T0 + timedelta(days=1)).points == -5  # 15 - 20


def test_an_activity_without_a_rule_scores_nothing():
    assert engagement(DOC, [_touch("a", A.EMAIL_OPEN)], T0).points == 0


def test_a_cap_gives_only_the_remainder_within_the_window():
    # cap 5 per 7 days, 2 points a view: 2 + 2 + 1 (remainder of 5 - 4) + 0 (cap reached) = 5
    assert engagement(DOC, _views(0, 1, 2, 3), T0 + timedelta(days=3)).points == 5


def test_a_cap_window_starts_afresh_once_earlier_points_have_left_it():
    # day 0: 2 + 2 + 1 = 5 (capped); day 7: the window (day 0, day 7] holds nothing yet -> 2; total 7
    assert engagement(DOC, _views(0, 0, 0, 7), T0 + timedelta(days=7)).points == 7


def test_a_cap_window_slides_with_each_touch():
    # day 0: 2, day 1: 2, day 2: 1 (cap 5 reached); day 7: window (0, 7] holds 2 + 1 = 3 -> 2 of room -> 2
    assert engagement(DOC, _views(0, 1, 2, 7), T0 + timedelta(days=7)).points == 7  # 2 + 2 + 1 + 2


def test_decay_halves_the_points_after_one_half_life():
    result = engagement(_doc(half_life_days=30), [_touch("a", A.WEBINAR_ATTENDED)], T0 + timedelta(days=30))
    assert result.points == 7.5  # 15 * 0.5 ** (30 / 30)


def test_decay_quarters_the_points_after_two_half_lives():
    result = engagement(_doc(half_life_days=30), [_touch("a", A.WEBINAR_ATTENDED)], T0 + timedelta(days=60))
    assert result.points == 3.75  # 15 * 0.5 ** (60 / 30)


def test_caps_count_points_before_decay():
    # views on days 0, 1, 2 count 2 + 2 + 1 (cap 5), then decay to day 10 with a 10-day half-life:
    # 2 * 0.5 ** 1 + 2 * 0.5 ** 0.9 + 1 * 0.5 ** 0.8 = 1 + 1.0717735 + 0.5743492 = 2.6461
    result = engagement(_doc(half_life_days=10), _views(0, 1, 2), T0 + timedelta(days=10))
    assert result.points == 2.6461


def test_replaying_the_same_touches_in_any_order_gives_the_same_scores():
    touches = [*_views(0, 0.5, 1, 2, 3, 8), _touch("w", A.WEBINAR_ATTENDED, 2), _touch("u", A.UNSUBSCRIBED, 4),
               _touch("p", A.PAGE_VIEW, 1, url="/pricing")]
    doc, at = _doc(half_life_days=14), T0 + timedelta(days=9)
    expected = evaluate(doc, IDEAL, touches, at)
    for seed in range(5):
        shuffled = touches[:]
        random.Random(seed).shuffle(shuffled)
        assert evaluate(doc, IDEAL, shuffled, at) == expected


def test_touches_after_the_scoring_time_are_ignored():
    touches = [_touch("a", A.WEBINAR_ATTENDED, 0), _touch("b", A.WEBINAR_ATTENDED, 2)]
    assert engagement(DOC, touches, T0 + timedelta(days=1)).points == 15  # only the day-0 webinar


def test_a_redelivered_event_counts_once():
    touch = _touch("a", A.WEBINAR_ATTENDED)
    assert engagement(DOC, [touch, touch], T0).points == 15


# --- sales-ready -----------------------------------------------------------------------------

def test_a_demo_request_from_a_fitting_lead_is_hot_at_once():
    result = evaluate(DOC, MODEST, [_touch("d", A.DEMO_REQUEST)], T0)
    # fit 30 >= fast-track min 30; the warm threshold (30, 20) would also hold, but fast track comes first
    assert (result.sales_ready, result.tier, result.reason) == (True, "hot", "fast_track:demo_request")
    assert Contribution("sales_ready.fast_track.demo_request", 0.0) in result.explanation


def test_a_demo_request_from_a_disqualified_lead_is_not_sales_ready():
    student = LeadProfile("sam@acme.com", {"company": "Acme", "employees": 200, "title": "student"})
    result = evaluate(DOC, student, [_touch("d", A.DEMO_REQUEST)], T0)
    assert (result.sales_ready, result.tier, result.reason) == (False, None, "disqualified:student")
    assert result.lifecycle == "disqualified"


def test_a_demo_request_below_the_fast_track_fit_is_not_sales_ready():
    small = LeadProfile("al@acme.com", {"company": "Acme", "employees": 20, "industry": "saas"})
    result = evaluate(DOC, small, [_touch("d", A.DEMO_REQUEST)], T0)
    assert (result.fit, result.engagement, result.sales_ready) == (25, 50, False)  # fit 15 + 10 < 30


def test_threshold_tiers_are_tried_in_order_hot_before_warm():
    webinars = [_touch(f"w{i}", A.WEBINAR_ATTENDED, i) for i in range(3)]
    result = evaluate(DOC, IDEAL, webinars, T0 + timedelta(days=2))
    # fit 70 >= 50 and engagement 45 (3 * 15) >= 40: hot holds, and so would warm
    assert (result.tier, result.reason) == ("hot", "threshold:hot")


def test_a_lead_short_of_hot_falls_to_warm():
    webinars = [_touch(f"w{i}", A.WEBINAR_ATTENDED, i) for i in range(3)]
    result = evaluate(DOC, MIDDLING, webinars, T0 + timedelta(days=2))
    assert (result.tier, result.reason) == ("warm", "threshold:warm")  # fit 45 < 50, but >= 30 with 45 >= 20


def test_account_engagement_adds_its_weighted_share_to_the_threshold():
    webinar = [_touch("w", A.WEBINAR_ATTENDED)]
    alone = evaluate(DOC, MIDDLING, webinar, T0)
    with_account = evaluate(DOC, MIDDLING, webinar, T0, account_engagement=20)
    assert alone.sales_ready is False  # 15 < 20
    assert with_account.account_engagement == 10  # 0.5 * 20
    assert (with_account.tier, with_account.reason) == ("warm", "threshold:warm")  # 15 + 10 = 25 >= 20
    assert with_account.explanation[-1] == Contribution("account", 10)


def test_account_engagement_counts_nothing_when_disabled():
    result = evaluate(_doc(account=False), MIDDLING, [_touch("w", A.WEBINAR_ATTENDED)], T0, account_engagement=20)
    assert (result.account_engagement, result.sales_ready) == (0.0, False)


def test_the_explanation_lists_fit_then_engagement_rules():
    result = evaluate(DOC, MODEST, [_touch("w", A.WEBINAR_ATTENDED)], T0)
    assert result.explanation == (Contribution("fit.mid_market", 20), Contribution("fit.business_email", 10),
                                  Contribution("engagement.webinar", 15))


def test_the_lifecycle_goes_from_new_to_engaged_to_sales_ready():
    assert evaluate(DOC, MODEST, [], T0).lifecycle == "new"
    assert evaluate(DOC, MODEST, [_touch("v", A.PAGE_VIEW, url="/blog")], T0).lifecycle == "engaged"
    assert evaluate(DOC, MODEST, [_touch("d", A.DEMO_REQUEST)], T0).lifecycle == "sales_ready"


def test_a_naive_event_time_is_read_as_utc_rather_than_raising():
    naive = Touch("a", A.WEBINAR_ATTENDED, datetime(2025, 3, 3, 9, 0))
    assert engagement(DOC, [naive], T0).points == 15
