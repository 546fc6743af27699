"""The engagement handler with simple repository doubles (no Kafka, no SQL)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.messages import EngagementEvent
from services.agreement.active import Versioned
from services.agreement.text import parse_agreement
from services.scorer.scoring import handlers
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
