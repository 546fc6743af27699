"""The engagement handler with simple repository doubles (no Kafka, no SQL)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.events import ActivityKind
from schemas.messages import EngagementEvent
from services.agreement.active import Versioned
from services.agreement.text import parse_agreement
from services.scorer.scoring import handlers
from services.scorer.scoring.domain.scoring import Touch, engagement
from tests.support.scorer_store import RecordingStore, ScoresView

EXAMPLE = parse_agreement(
    (Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text(), "yaml")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FITTING = {"company": "Acme", "employees": 200, "industry": "software", "country": "DE", "title": "VP Sales"}


def _event(event_id: str, activity: str, email: str = "ada@acme.example", minutes: int = 0,
           attributes=FITTING) -> EngagementEvent:
    return EngagementEvent(id=event_id, source="tests", data={
        "source": "api", "activity": activity, "email": email, "attributes": attributes,
        "occurred_at": T0 + timedelta(minutes=minutes)})


def _ctx(active=Versioned(7, EXAMPLE)) -> handlers.ScoringContext:
    return handlers.ScoringContext(qualified_topic="q", source="handoff/scorer", agreement=lambda: active)


async def _handle(store, events, ctx=None):
    return await handlers.engagement_recorded(store, ScoresView(store), events, ctx or _ctx())


async def test_every_event_is_recorded_under_its_lead():
    store = RecordingStore()
    await _handle(store, [_event("1", "page_view"), _event("2", "email_open", minutes=1)])
    assert [t.event_key for t in store.touches["ada@acme.example"]] == ["tests#1", "tests#2"]


async def test_a_demo_request_from_a_fitting_lead_qualifies_it_once_with_the_version():
    store = RecordingStore()
    emitted = await _handle(store, [_event("1", "demo_request"), _event("2", "demo_request", minutes=1)])
    assert [(e.data.lead_key, e.data.tier, e.data.agreement_version) for e in emitted] == [
        ("ada@acme.example", "hot", 7)]
    assert [m.topic for m in store.outbox] == ["q"]


async def test_the_qualification_carries_every_rule_that_fired():
    emitted = await _handle(RecordingStore(), [_event("1", "demo_request")])
    rules = {c.rule for c in emitted[0].data.explanation}
    assert {"fit.mid_market", "fit.senior_title", "engagement.demo_request"} <= rules


async def test_a_lead_already_sales_ready_is_not_qualified_again():
    store = RecordingStore()
    await _handle(store, [_event("1", "demo_request")])
    assert await _handle(store, [_event("2", "demo_request", minutes=5)]) == []


async def test_a_disqualified_lead_is_scored_but_not_qualified():
    store = RecordingStore()
    student = {**FITTING, "title": "Student"}
    assert await _handle(store, [_event("1", "demo_request", attributes=student)]) == []
    assert store.scores["ada@acme.example"].disqualified == "student"
    assert store.scores["ada@acme.example"].lifecycle == "disqualified"


async def test_without_an_active_agreement_engagement_is_kept_and_nobody_qualifies():
    store = RecordingStore()
    assert await _handle(store, [_event("1", "demo_request")], _ctx(active=None)) == []
    assert "ada@acme.example" in store.touches


async def test_the_qualification_id_is_derived_from_the_input_event():
    first = await _handle(RecordingStore(), [_event("1", "demo_request")])
    again = await _handle(RecordingStore(), [_event("1", "demo_request")])
    assert first[0].id == again[0].id


def _counting_ctx(reasons: list[str], active=Versioned(7, EXAMPLE)) -> handlers.ScoringContext:
    return handlers.ScoringContext(qualified_topic="q", source="handoff/scorer", agreement=lambda: active,
                                   rebuilt=reasons.append)


def _replayed_engagement(store, key: str, version=Versioned(7, EXAMPLE)) -> float:
    touches = [_as_touch(t) for t in store.touches[key]]
    return engagement(version.document, touches, max(t.occurred_at for t in touches)).points


def _as_touch(t) -> Touch:
    return Touch(t.event_key, ActivityKind(t.activity), t.occurred_at, t.url, t.form, t.campaign)


async def test_events_in_order_step_the_state_without_a_rebuild():
    store, reasons = RecordingStore(), []
    for n in range(5):
        await handlers.engagement_recorded(store, ScoresView(store), [_event(str(n), "page_view", minutes=n)],
                                           _counting_ctx(reasons))
    assert reasons == []
    assert store.scores["ada@acme.example"].engagement == _replayed_engagement(store, "ada@acme.example")


async def test_a_late_event_rebuilds_the_lead_once_and_scores_as_the_replay():
    store, reasons = RecordingStore(), []
    ctx = _counting_ctx(reasons)
    await handlers.engagement_recorded(store, ScoresView(store), [_event("1", "page_view", minutes=10)], ctx)
    await handlers.engagement_recorded(store, ScoresView(store), [_event("2", "webinar_attended", minutes=1)], ctx)
    assert reasons == ["late"]
    assert store.scores["ada@acme.example"].engagement == _replayed_engagement(store, "ada@acme.example")


async def test_a_new_active_version_rebuilds_each_lead_once():
    store, reasons = RecordingStore(), []
    await handlers.engagement_recorded(store, ScoresView(store), [_event("1", "page_view")], _counting_ctx(reasons))
    newer = _counting_ctx(reasons, Versioned(8, EXAMPLE))
    await handlers.engagement_recorded(store, ScoresView(store), [_event("2", "page_view", minutes=1)], newer)
    await handlers.engagement_recorded(store, ScoresView(store), [_event("3", "page_view", minutes=2)], newer)
    assert reasons == ["version"]
    assert store.rows["ada@acme.example"]["score_state_version"] == 8


async def test_a_recycle_that_reset_engagement_rebuilds_from_after_the_cut():
    store, reasons = RecordingStore(), []
    ctx = _counting_ctx(reasons)
    await handlers.engagement_recorded(store, ScoresView(store), [_event("1", "webinar_attended")], ctx)
    store.rows["ada@acme.example"]["engagement_since"] = T0 + timedelta(minutes=5)
    await handlers.engagement_recorded(store, ScoresView(store), [_event("2", "page_view", minutes=10)], ctx)
    assert reasons == ["recycle"]
    assert store.scores["ada@acme.example"].engagement == 1.0  # the webinar before the cut no longer counts


async def test_the_state_of_a_lead_with_many_events_stays_small():
    store = RecordingStore()
    for n in range(0, 600, 100):
        events = [_event(f"{n + i}", "page_view", minutes=n + i) for i in range(100)]
        await handlers.engagement_recorded(store, ScoresView(store), events, _ctx())
    state = store.rows["ada@acme.example"]["score_state"]
    assert state["touches"] == 600
    assert sum(len(w) for w in state["windows"].values()) <= 10  # the page-view cap: 10 points of 1


async def test_a_colleagues_engagement_counts_toward_the_account_share():
    store = RecordingStore()
    await _handle(store, [_event("1", "webinar_attended", email="bob@acme.com")])
    await _handle(store, [_event("2", "page_view", email="cyd@acme.com", minutes=1)])
    bob = store.scores["bob@acme.com"].engagement
    assert abs(store.scores["cyd@acme.com"].account_engagement - 0.5 * bob) < 1e-3  # weight 0.5; a minute decays little


async def test_an_account_sum_far_behind_its_contacts_is_moved_to_a_recent_landmark():
    store = RecordingStore()
    await _handle(store, [_event("1", "webinar_attended", email="bob@acme.com")])
    later = [_event("2", "webinar_attended", email="cyd@acme.com", minutes=60 * 24 * 30 * 70)]  # 70 half-lives on
    await _handle(store, later)
    account = store.account_states["acme.com"]
    assert account.landmark_us == store.rows["cyd@acme.com"]["score_state"]["landmark_us"]
    assert abs(store.scores["cyd@acme.com"].account_engagement) < 1e-6  # Bob's webinar has decayed to nothing
