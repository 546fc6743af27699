"""The follow-up handler and recycled leads' requalification, with repository doubles (no Kafka, no SQL)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas.messages import EngagementEvent, FollowupEvent
from services.agreement.active import Versioned
from services.agreement.handoff_sections import Recycle
from services.agreement.text import parse_agreement
from services.scorer.scoring import handlers
from tests.support.scorer_store import RecordingStore, ScoresView

EXAMPLE = parse_agreement(
    (Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text(), "yaml")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEAD = "ada@acme.example"
FITTING = {"company": "Acme", "employees": 200, "industry": "software", "country": "DE", "title": "VP Sales"}


def _active(**recycle) -> Versioned:
    return Versioned(7, EXAMPLE.model_copy(update={"recycle": Recycle(**recycle)}))


def _touch(event_id: str, activity: str, hours: float = 0) -> EngagementEvent:
    return EngagementEvent(id=event_id, source="tests", data={
        "source": "api", "activity": activity, "email": LEAD, "attributes": FITTING,
        "occurred_at": T0 + timedelta(hours=hours)})


def _step(event_id: str, status: str, hours: float = 1, lead: str = LEAD) -> FollowupEvent:
    return FollowupEvent(id=event_id, source="router", data={
        "lead_key": lead, "status": status, "occurred_at": T0 + timedelta(hours=hours), "reason": "no budget"})


async def _engage(store, events, active=None):
    ctx = handlers.ScoringContext(qualified_topic="q", source="handoff/scorer",
                                  agreement=lambda: active or _active())
    return await handlers.engagement_recorded(store, ScoresView(store), events, ctx)


async def _follow(store, events, active=None):
    await handlers.followup_recorded(store, events, active or _active())


async def _recycled_lead(active=None) -> RecordingStore:
    """A lead qualified by a demo request at T0 and recycled an hour later."""
    store = RecordingStore()
    await _engage(store, [_touch("demo", "demo_request")], active)
    await _follow(store, [_step("r1", "rejected"), _step("r2", "recycled")], active)
    return store


async def test_a_recycled_lead_is_back_in_nurture_without_its_qualification():
    row = (await _recycled_lead()).rows[LEAD]
    assert (row["lifecycle"], row["qualified_at"], row["qualification_id"], row["recycle_count"]) == (
        "recycled", None, None, 1)


async def test_a_follow_up_for_a_lead_the_scorer_does_not_know_is_ignored():
    store = RecordingStore()
    await _follow(store, [_step("r1", "recycled", lead="stranger@elsewhere.example")])
    assert store.rows == {}


async def test_an_assigned_step_moves_a_qualified_lead_to_routed():
    store = RecordingStore()
    await _engage(store, [_touch("demo", "demo_request")])
    await _follow(store, [_step("a1", "assigned")])
    assert store.rows[LEAD]["lifecycle"] == "routed"


async def test_a_recycled_lead_crossing_the_line_again_qualifies_with_a_new_qualification():
    store = await _recycled_lead()
    first = store.marks[0].qualification_id
    emitted = await _engage(store, [_touch("demo-2", "demo_request", hours=2)])
    assert [e.data.lead_key for e in emitted] == [LEAD]
    assert emitted[0].id != first


async def test_the_new_qualification_is_marked_on_the_lead():
    store = await _recycled_lead()
    emitted = await _engage(store, [_touch("demo-2", "demo_request", hours=2)])
    assert (store.rows[LEAD]["lifecycle"], store.rows[LEAD]["qualification_id"]) == ("sales_ready", emitted[0].id)


async def test_engagement_before_the_recycle_no_longer_counts():
    store = await _recycled_lead()
    assert await _engage(store, [_touch("view", "page_view", hours=2)]) == []  # the old demo request is gone
    assert store.scores[LEAD].engagement == 1


async def test_a_recycled_lead_below_the_line_stays_recycled():
    store = await _recycled_lead()
    await _engage(store, [_touch("view", "page_view", hours=2)])
    assert store.rows[LEAD]["lifecycle"] == "recycled"


async def test_without_a_reset_engagement_before_the_recycle_still_counts():
    keep = _active(reset_engagement=False)
    store = await _recycled_lead(keep)
    emitted = await _engage(store, [_touch("view", "page_view", hours=2)], keep)
    assert [e.data.reason for e in emitted] == ["fast_track:demo_request"]


async def test_a_recycled_lead_inside_its_cooldown_does_not_qualify_again():
    cooldown = _active(requalify_after_days=14)
    store = await _recycled_lead(cooldown)
    assert await _engage(store, [_touch("demo-2", "demo_request", hours=24)], cooldown) == []
    assert (store.rows[LEAD]["lifecycle"], store.scores[LEAD].sales_ready) == ("recycled", True)


async def test_a_recycled_lead_qualifies_at_its_first_touch_over_the_line_after_the_cooldown():
    cooldown = _active(requalify_after_days=14)
    store = await _recycled_lead(cooldown)
    await _engage(store, [_touch("demo-2", "demo_request", hours=24)], cooldown)
    emitted = await _engage(store, [_touch("view", "page_view", hours=15 * 24)], cooldown)
    assert [e.data.qualified_at for e in emitted] == [T0 + timedelta(days=15)]


async def test_a_redelivered_recycle_after_the_new_qualification_changes_nothing():
    store = await _recycled_lead()
    await _engage(store, [_touch("demo-2", "demo_request", hours=2)])
    await _follow(store, [_step("r2-again", "recycled")])
    assert (store.rows[LEAD]["lifecycle"], store.rows[LEAD]["recycle_count"]) == ("sales_ready", 1)


async def test_without_an_active_agreement_a_recycle_follows_the_defaults():
    store = RecordingStore()
    await _engage(store, [_touch("demo", "demo_request")])
    await handlers.followup_recorded(store, [_step("r2", "recycled")], None)
    row = store.rows[LEAD]
    assert row["engagement_since"] == row["requalify_after"] == T0 + timedelta(hours=1)
