"""The incremental engine (engine.py) against the replay (scoring.py), its oracle."""

import copy
import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.events import ActivityKind as A
from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.engine import (
    LateTouch,
    LeadState,
    apply,
    build,
    decayed,
    empty,
    engagement_at,
    evaluate_state,
    from_json,
    own_sum,
    to_json,
)
from services.scorer.scoring.domain.lifecycle import counted
from services.scorer.scoring.domain.scoring import (
    EngagementResult,
    Evaluation,
    LeadProfile,
    Touch,
    engagement,
    evaluate,
    fit,
)

EXAMPLE = yaml.safe_load((Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text())
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
VERSION = 7
FEW = settings(max_examples=200, deadline=None)
CUSTOM, UNDECLARED = "webinar_registered", "chat_started"  # a kind every drawn agreement declares; one none does


def _document(rules: list[dict[str, Any]], half_life_days: float | None = None, account: bool = False,
              weight: float = 0.5, tiers: list[dict[str, Any]] | None = None,
              fast_track: list[dict[str, Any]] | None = None,
              activities: list[dict[str, Any]] | None = None) -> AgreementDocument:
    data = copy.deepcopy(EXAMPLE)
    data["activities"] = [{"name": CUSTOM, "description": "a tool's own event"}] if activities is None else activities
    data["engagement"] = {"rules": rules, "half_life_days": half_life_days,
                          "account": {"enabled": account, "weight": weight}}
    data["sales_ready"] = {"tiers": [{"name": "warm", "min_fit": 0, "min_engagement": 40}] if tiers is None else tiers,
                           "fast_track": fast_track or []}
    return AgreementDocument.model_validate(data)


BASE = _document([])
PROFILES = (
    LeadProfile("ana@acme.com", {"company": "Acme", "employees": 200, "industry": "software", "country": "DE",
                                 "title": "VP Sales"}),  # 80: every rule but enterprise
    LeadProfile("bo@acme.com", {"company": "Acme", "employees": 200, "industry": "retail", "title": "Engineer"}),
    LeadProfile("cy@uni.edu", {"company": "Uni", "title": "Professor"}),  # disqualified: academic email
    LeadProfile("di@acme.com", {"company": "Acme", "employees": "lots"}),  # a fit mismatch
)
FITS = tuple(fit(BASE, p) for p in PROFILES)  # fit depends only on the example's fit section, kept as is


# --- what hypothesis draws -------------------------------------------------------------------

KINDS = (A.PAGE_VIEW, A.FORM_SUBMIT, A.EMAIL_CLICK, A.DEMO_REQUEST, A.UNSUBSCRIBED, CUSTOM)
MATCHERS = (
    {"field": "url", "regex": "/pricing"},
    {"field": "form", "in": ["contact", "demo"]},
    {"field": "campaign", "equals": "spring"},
    {"field": "campaign", "exists": True},
    {"field": "campaign", "range": {"gte": 10}},  # campaign "spring" is no number: a recorded mismatch
)
# Exact binary fractions, so that a cap's room is exact and bounds like cap / |points| + 1 hold.
POINTS = (-20, -7.5, -1, 0, 0.5, 1, 3, 10, 25)
CAPS = ({"points": 1, "window_days": 1}, {"points": 2.5, "window_days": 0.1}, {"points": 5, "window_days": 7},
        {"points": 10, "window_days": 1 / 3}, {"points": 30, "window_days": 30})
HALF_LIVES = (0.5, 1, 7, 30)


# Plain strategies, built once, not @st.composite: draws inside a composite took most of this file's time.
def _rules(capped: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    cap = {"cap": st.sampled_from(CAPS)}
    when = {"when": st.lists(st.sampled_from(MATCHERS), min_size=1, max_size=2, unique_by=str)}
    rule = st.fixed_dictionaries({"activity": st.sampled_from(KINDS), "points": st.sampled_from(POINTS),
                                  **(cap if capped else {})}, optional=when if capped else {**cap, **when})
    return st.lists(rule, min_size=1, max_size=4).map(lambda rules: [{"id": f"r{i}", **r} for i, r in enumerate(rules)])


RULES, CAPPED_RULES = _rules(False), _rules(True)
TIERS = st.lists(st.fixed_dictionaries({"name": st.sampled_from(["hot", "warm"]),
                                        "min_fit": st.sampled_from([0, 30, 60]),
                                        "min_engagement": st.sampled_from([-5, 0, 10, 40])}),
                 min_size=1, max_size=2, unique_by=lambda t: t["name"])
FAST_TRACK = st.lists(st.fixed_dictionaries({"activity": st.sampled_from([str(k) for k in (*KINDS, A.TRIAL_STARTED)]),
                                             "tier": st.sampled_from(["hot", "warm"]),
                                             "min_fit": st.sampled_from([0, 40])}),
                      max_size=2, unique_by=lambda f: f["activity"])


DECAYS = st.none() | st.sampled_from(HALF_LIVES)
# The custom kind's own conditions: none, one a touch may meet, one that records a mismatch ("spring" is no number).
DECLARED = st.sampled_from([None, *({"name": CUSTOM, "description": "d", "when": [m]} for m in MATCHERS[2:])]).map(
    lambda kind: [{"name": CUSTOM, "description": "d"}] if kind is None else [kind])


def agreements(half_lives: st.SearchStrategy[float | None] = DECAYS,
               rules: st.SearchStrategy[list[dict[str, Any]]] = RULES) -> st.SearchStrategy[AgreementDocument]:
    return st.builds(_document, rules, half_lives, st.booleans(), st.sampled_from([0, 0.5, 1]), TIERS, FAST_TRACK,
                     DECLARED)


ZONES = (UTC, timezone(timedelta(hours=2)), None)  # None: a naive time, which means UTC


def _moment(day: int, minute: int, zone: timezone | None) -> datetime:
    moment = T0 + timedelta(days=day, minutes=minute)
    return moment.astimezone(UTC).replace(tzinfo=None) if zone is None else moment.astimezone(zone)


MINUTES = st.just(0) | st.sampled_from([1, 720]) | st.integers(0, 1439)  # whole days meet cap windows' edges


def touches(days: int = 60, minutes: st.SearchStrategy[int] = MINUTES, keys: int = 25) -> st.SearchStrategy[Touch]:
    moments = st.builds(_moment, st.integers(0, days), minutes, st.sampled_from(ZONES))
    return st.builds(Touch, st.integers(0, keys - 1).map(lambda k: f"e{k}"),
                     st.sampled_from((*KINDS, A.TRIAL_STARTED, UNDECLARED)), moments,
                     url=st.sampled_from([None, "/pricing", "/blog"]),
                     form=st.sampled_from([None, "contact", "newsletter"]),
                     campaign=st.sampled_from([None, "spring", "12", "5"]))


histories = st.lists(touches(), max_size=40)
fits = st.sampled_from(FITS)
shares = st.sampled_from([0.0, 12.5, -3.0, 100.0])


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _latest(history: list[Touch]) -> datetime:
    return max((_aware(t.occurred_at) for t in history), default=T0)


def _events(history: list[Touch]) -> list[Touch]:
    """One touch per event key, the first drawn: an event key names one touch, as the store keeps it."""
    return list({t.event_key: t for t in reversed(history)}.values())[::-1]


def _fold(doc: AgreementDocument, deliveries: list[Touch]) -> LeadState:
    """What the live scorer does: apply each touch as it comes, rebuild from all seen when one is late."""
    seen: list[Touch] = []
    state = empty(VERSION)
    for touch in deliveries:
        seen.append(touch)
        try:
            apply(doc, state, touch)
        except LateTouch:
            state = build(doc, VERSION, seen)
    return state


# One unit of the last rounded decimal (plus float noise: 0.0313 - 0.0312 is a little over 1e-4). A value on a
# rounding tie, such as 2^-5 = 0.03125, is exact in the replay (0.5 ** 5) and an ulp off in the engine
# (2^a · 2^-b), so the two may round it to neighbours.
ROUNDED = 1e-4 + 1e-9


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=ROUNDED)


def _same_engagement(got: EngagementResult, want: EngagementResult) -> None:
    assert _close(got.points, want.points), (got.points, want.points)
    assert [c.rule for c in got.contributions] == [c.rule for c in want.contributions]
    assert all(_close(g.points, w.points) for g, w in zip(got.contributions, want.contributions)), got
    assert (got.touches, got.mismatches) == (want.touches, want.mismatches)


def _same(got: Evaluation, want: Evaluation) -> None:
    for name in ("fit", "engagement", "account_engagement"):
        assert _close(getattr(got, name), getattr(want, name)), (name, got, want)
    assert (got.disqualified, got.sales_ready, got.tier, got.reason, got.mismatches, got.touches) == (
        want.disqualified, want.sales_ready, want.tier, want.reason, want.mismatches, want.touches)
    assert [c.rule for c in got.explanation] == [c.rule for c in want.explanation]
    assert all(_close(g.points, w.points) for g, w in zip(got.explanation, want.explanation)), got


def _replay(doc: AgreementDocument, history: list[Touch], at: datetime, fit_result: Any, share: float) -> Evaluation:
    return evaluate(doc, PROFILES[FITS.index(fit_result)], history, at, share, fit_result)


# --- properties: the engine equals the replay ------------------------------------------------

@FEW
@given(agreements(), histories, fits, shares)
def test_a_rebuild_in_timeline_order_scores_as_the_replay(doc, history, fit_result, share):
    at = _latest(history)
    state = build(doc, VERSION, history)
    _same(evaluate_state(doc, state, fit_result, at, share), _replay(doc, history, at, fit_result, share))


@FEW
@given(agreements(), histories, fits, shares, st.randoms(use_true_random=False))
def test_touches_arriving_in_any_order_score_as_the_replay(doc, history, fit_result, share, rnd):
    events = _events(history)
    deliveries = rnd.sample(events, len(events))
    at = _latest(events)
    state = _fold(doc, deliveries)
    _same(evaluate_state(doc, state, fit_result, at, share), _replay(doc, events, at, fit_result, share))


@FEW
@given(agreements(), histories, st.randoms(use_true_random=False))
def test_touches_arriving_in_any_order_leave_the_state_a_rebuild_leaves(doc, history, rnd):
    events = _events(history)
    assert _fold(doc, rnd.sample(events, len(events))) == build(doc, VERSION, events)


@FEW
@given(agreements(), histories, fits, st.lists(st.booleans(), min_size=40, max_size=40))
def test_touches_delivered_twice_change_nothing(doc, history, fit_result, twice):
    events = _events(history)
    # each touch at once again where `twice` says so, then the whole lot again
    deliveries = [d for t, again in zip(events, twice) for d in ([t, t] if again else [t])] + events
    at = _latest(events)
    state = _fold(doc, deliveries)
    assert state == build(doc, VERSION, events)
    _same(evaluate_state(doc, state, fit_result, at), _replay(doc, events, at, fit_result, 0.0))


@FEW
@given(agreements(), histories, fits, st.integers(-1, 61), st.sampled_from([0, 1, 720]))
def test_after_a_recycle_the_touches_since_score_as_their_replay(doc, history, fit_result, day, minute):
    since = T0 + timedelta(days=day, minutes=minute)
    kept = counted(history, since)
    at = max(_latest(kept), since)
    state = build(doc, VERSION, kept)
    _same(evaluate_state(doc, state, fit_result, at), _replay(doc, kept, at, fit_result, 0.0))


@FEW
@given(agreements(rules=CAPPED_RULES),
       st.lists(touches(days=2, minutes=st.sampled_from([0, 480, 960])), min_size=10, max_size=40),
       fits)
def test_touches_on_the_edges_of_cap_windows_score_as_the_replay(doc, history, fit_result):
    at = _latest(history)  # 9 instants 8 hours apart: touches a whole window (1/3 or 1 day) apart are common
    _same(evaluate_state(doc, build(doc, VERSION, history), fit_result, at), _replay(doc, history, at, fit_result, 0.0))


@FEW
@given(agreements(), histories, st.integers(0, 200 * 1440))
def test_engagement_read_later_decays_as_the_replay(doc, history, minutes):
    at = _latest(history) + timedelta(minutes=minutes)
    _same_engagement(engagement_at(doc, build(doc, VERSION, history), at), engagement(doc, history, at))


@FEW
@given(agreements(), histories, st.integers(-30 * 1440, 90 * 1440), st.integers(0, 30 * 1440))
def test_own_sum_read_at_any_landmark_is_the_leads_engagement(doc, history, landmark_minutes, minutes):
    landmark_us = int((T0 + timedelta(minutes=landmark_minutes)).timestamp()) * 1_000_000
    at = _latest(history) + timedelta(minutes=minutes)
    total = decayed(doc, own_sum(doc, build(doc, VERSION, history), landmark_us), landmark_us, at)
    assert _close(total, engagement(doc, history, at).points), (total, engagement(doc, history, at))


@FEW
@given(agreements(), histories)
def test_a_state_round_trips_through_json(doc, history):
    state = build(doc, VERSION, history)
    assert from_json(json.loads(json.dumps(to_json(state)))) == state


@FEW
@given(agreements(), histories, st.integers(0, 40))
def test_a_state_restored_from_json_folds_further_touches_as_the_original(doc, history, cut):
    events = sorted(_events(history), key=lambda t: (_aware(t.occurred_at), t.event_key))
    original = build(doc, VERSION, events[:cut])
    restored = from_json(json.loads(json.dumps(to_json(original))))
    for touch in events[cut:]:
        apply(doc, original, touch)
        apply(doc, restored, touch)
    assert restored == original


@FEW
@given(agreements(st.just(0.001)), st.lists(touches(days=1), max_size=40), fits)
def test_touches_hundreds_of_half_lives_apart_score_as_the_replay(doc, history, fit_result):
    first = Touch("first", A.PAGE_VIEW, T0)
    far = Touch("far", A.DEMO_REQUEST, T0 + timedelta(days=0.001 * 200))  # 200 half-lives on: re-based
    history = [first, far, *history]
    at = _latest(history)
    state = build(doc, VERSION, history)
    assert state.landmark_us != int(T0.timestamp()) * 1_000_000
    _same(evaluate_state(doc, state, fit_result, at), _replay(doc, history, at, fit_result, 0.0))


@FEW
@given(agreements(), histories)
def test_a_cap_window_never_holds_more_than_its_cap_allows(doc, history):
    state = empty(VERSION)
    rules = {r.id: r for r in doc.engagement.rules}
    for touch in sorted(_events(history), key=lambda t: (_aware(t.occurred_at), t.event_key)):
        apply(doc, state, touch)
        for rule_id, window in state.windows.items():
            cap, points = rules[rule_id].cap, abs(rules[rule_id].points)
            assert cap is not None and window and all(c for _, c in window)
            assert sum(abs(c) for _, c in window) <= cap.points
            assert len(window) <= cap.points / points + 1  # whole points, and at most one remainder


# --- examples --------------------------------------------------------------------------------

VIEWS = _document([{"id": "view", "activity": "page_view", "points": 2, "cap": {"points": 5, "window_days": 7}},
                   {"id": "demo", "activity": "demo_request", "points": 50}],
                  half_life_days=30, fast_track=[{"activity": "demo_request", "tier": "hot"}])
FIT = FITS[0]


def _view(key: str, minutes: float = 0, url: str = "/blog") -> Touch:
    return Touch(key, A.PAGE_VIEW, T0 + timedelta(minutes=minutes), url=url)


def _us(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_an_empty_state_scores_as_a_lead_without_touches():
    _same(evaluate_state(VIEWS, empty(VERSION), FIT, T0), _replay(VIEWS, [], T0, FIT, 0.0))


def test_the_first_touch_sets_the_landmark():
    state = build(VIEWS, VERSION, [_view("a", 5), _view("b", 60)])
    assert state.landmark_us == _us(T0 + timedelta(minutes=5))


def test_apply_returns_true_for_a_new_touch_and_counts_it():
    state = empty(VERSION)
    assert apply(VIEWS, state, _view("a")) is True
    assert (state.touches, state.newest) == (1, (_us(T0), "a"))


def test_a_redelivery_of_the_newest_touch_is_ignored_and_changes_nothing():
    state = build(VIEWS, VERSION, [_view("a"), _view("b", 1)])
    before = copy.deepcopy(state)
    assert apply(VIEWS, state, _view("b", 1)) is False
    assert state == before


def test_a_touch_before_the_newest_raises_late_touch_and_changes_nothing():
    state = build(VIEWS, VERSION, [_view("b", 10)])
    before = copy.deepcopy(state)
    with pytest.raises(LateTouch):
        apply(VIEWS, state, _view("a", 5))
    assert state == before


def test_touches_at_the_same_instant_are_ordered_by_event_key():
    state = build(VIEWS, VERSION, [_view("b")])
    with pytest.raises(LateTouch):
        apply(VIEWS, state, _view("a"))
    assert apply(VIEWS, state, _view("c")) is True


def test_a_redelivered_older_touch_is_late_not_counted_twice():
    state = build(VIEWS, VERSION, [_view("a"), _view("b", 1)])
    with pytest.raises(LateTouch):
        apply(VIEWS, state, _view("a"))


def test_a_naive_time_is_utc():
    naive = Touch("a", A.PAGE_VIEW, T0.replace(tzinfo=None))
    assert build(VIEWS, VERSION, [naive]) == build(VIEWS, VERSION, [replace(naive, occurred_at=T0)])


def test_an_instant_in_another_zone_sorts_by_the_instant():
    berlin = Touch("a", A.PAGE_VIEW, (T0 + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=2))))
    state = build(VIEWS, VERSION, [berlin])
    with pytest.raises(LateTouch):
        apply(VIEWS, state, _view("z"))  # a UTC minute earlier, for all its later wall-clock time


def test_a_cap_window_holds_no_more_entries_than_the_cap_allows():
    state = build(VIEWS, VERSION, [_view(f"v{i:04}", i) for i in range(1000)])
    assert [c for _, c in state.windows["view"]] == [2, 2, 1]  # 5 points of 2: two whole and the remainder


def test_the_state_keeps_no_history_per_touch():
    def size(n: int) -> int:
        return len(json.dumps(to_json(build(VIEWS, VERSION, [_view(f"v{i:05}", i * 60) for i in range(n)]))))
    assert size(2000) - size(200) < 20  # a few more digits in the counts and times, nothing per touch


def test_a_rule_that_fires_with_its_cap_used_up_is_still_explained_with_zero():
    history = [_view(f"v{i}", i) for i in range(4)]
    state = build(VIEWS, VERSION, history)
    assert state.windows["view"] == [(_us(T0), 2.0), (_us(T0) + 60_000_000, 2.0), (_us(T0) + 120_000_000, 1.0)]
    assert [c.rule for c in engagement_at(VIEWS, state, T0 + timedelta(minutes=3)).contributions] == ["engagement.view"]


def test_a_touch_exactly_one_window_later_no_longer_shares_the_cap():
    history = [_view("a"), _view("b", 1), _view("c", 2), _view("d", 7 * 1440)]
    state = build(VIEWS, VERSION, history)
    assert state.windows["view"] == [(_us(T0) + 60_000_000, 2.0), (_us(T0) + 120_000_000, 1.0),
                                     (_us(T0 + timedelta(days=7)), 2.0)]
    at = T0 + timedelta(days=7)
    _same_engagement(engagement_at(VIEWS, state, at), engagement(VIEWS, history, at))


def test_a_cap_window_of_a_fraction_of_a_day_is_compared_to_the_microsecond():
    # 0.087 days is 7516.8 s, and 7516.799999999999 s when multiplied out in floats
    doc = _document([{"id": "view", "activity": "page_view", "points": 2, "cap": {"points": 2, "window_days": 0.087}}])
    window = timedelta(days=0.087)
    for gap, counts in ((window, 2.0), (window - timedelta(microseconds=1), 0.0)):
        history = [Touch("a", A.PAGE_VIEW, T0), Touch("b", A.PAGE_VIEW, T0 + gap)]
        at = T0 + gap
        assert engagement_at(doc, build(doc, VERSION, history), at).points == engagement(doc, history, at).points
        assert engagement(doc, history, at).points == 2.0 + counts


def test_fast_track_keeps_the_latest_occurrence_of_each_fast_track_activity():
    demos = [Touch("d1", A.DEMO_REQUEST, T0), Touch("d2", A.DEMO_REQUEST, T0 + timedelta(days=2)), _view("v", 60)]
    assert build(VIEWS, VERSION, demos).fast_track == {"demo_request": _us(T0 + timedelta(days=2))}


def test_a_fast_track_activity_without_an_engagement_rule_still_fast_tracks():
    doc = _document([], fast_track=[{"activity": "trial_started", "tier": "warm"}])
    history = [Touch("t", A.TRIAL_STARTED, T0)]
    result = evaluate_state(doc, build(doc, VERSION, history), FIT, T0)
    assert (result.reason, result.engagement) == ("fast_track:trial_started", 0.0)


def test_a_touch_64_half_lives_after_the_landmark_does_not_rebase():
    doc = _document([{"id": "view", "activity": "page_view", "points": 1}], half_life_days=1)
    state = build(doc, VERSION, [_view("a"), _view("b", 64 * 1440)])
    assert state.landmark_us == _us(T0)


def test_a_touch_more_than_64_half_lives_after_the_landmark_rebases_to_it():
    doc = _document([{"id": "view", "activity": "page_view", "points": 1}], half_life_days=1)
    state = build(doc, VERSION, [_view("a"), _view("b", 64 * 1440 + 1)])
    assert state.landmark_us == _us(T0 + timedelta(minutes=64 * 1440 + 1))
    assert state.sums["view"] == pytest.approx(1 + 2 ** -(64 + 1 / 1440))


def test_without_a_half_life_the_sums_are_plain_and_never_rebased():
    doc = _document([{"id": "view", "activity": "page_view", "points": 1.5}])
    state = build(doc, VERSION, [_view("a"), _view("b", 10_000 * 1440)])
    assert (state.landmark_us, state.sums) == (_us(T0), {"view": 3.0})
    assert own_sum(doc, state, 0) == 3.0
    assert decayed(doc, 3.0, 0, T0) == 3.0


def test_decayed_is_zero_without_a_landmark():
    assert decayed(VIEWS, 12.0, None, T0) == 0.0


def test_own_sum_of_a_state_without_touches_is_zero():
    assert own_sum(VIEWS, empty(VERSION), _us(T0)) == 0.0


def test_a_sum_read_thousands_of_half_lives_later_keeps_what_a_float_can_hold():
    # 2^-2000 alone is 0.0 as a float; 1e300 · 2^-2000 is not
    got = decayed(VIEWS, 1e300, _us(T0), T0 + timedelta(days=30 * 2000))
    assert got == pytest.approx(math.exp(math.log(1e300) - 2000 * math.log(2)), rel=1e-9)
    assert decayed(VIEWS, 1.0, _us(T0), T0 + timedelta(days=30 * 3000)) == 0.0


def test_own_sum_far_from_the_landmark_is_finite_while_the_result_is():
    state = build(VIEWS, VERSION, [_view("a")])
    far = _us(T0 + timedelta(days=30 * 1100))  # 2^-1100 alone is below the smallest float
    assert own_sum(VIEWS, state, far) == pytest.approx(2 * 2.0 ** -1100, rel=1e-9)


def test_the_json_form_keeps_the_order_the_rules_first_fired_in():
    state = build(VIEWS, VERSION, [Touch("d", A.DEMO_REQUEST, T0), _view("v", 1)])
    assert [rule for rule, _ in to_json(state)["sums"]] == ["demo", "view"]


def test_evaluate_state_adds_the_account_share_as_the_replay_does():
    doc = _document([{"id": "view", "activity": "page_view", "points": 10}], account=True, weight=0.5,
                    tiers=[{"name": "warm", "min_fit": 0, "min_engagement": 20}])
    history = [_view("a")]
    got = evaluate_state(doc, build(doc, VERSION, history), FIT, T0, account_engagement=20.0)
    assert (got.account_engagement, got.reason) == (10.0, "threshold:warm")
    _same(got, _replay(doc, history, T0, FIT, 20.0))
