"""The engagement handler with a simple repository double (no Kafka, no SQL)."""

from datetime import UTC, datetime

from schemas.messages import EngagementEvent
from services.scorer import handlers


class RecordingRepository:
    def __init__(self, qualified: set[str] = frozenset()) -> None:
        self.already_qualified = set(qualified)
        self.recorded, self.marks, self.outbox = [], [], []

    async def record_engagements(self, events):
        self.recorded += events

    async def unqualified(self, keys):
        return {k for k in keys if k not in self.already_qualified}

    async def mark_qualified(self, marks):
        self.marks += marks

    async def add_outbox(self, messages):
        self.outbox += messages


def _event(event_id: str, activity: str, email: str = "ada@example.com") -> EngagementEvent:
    return EngagementEvent(id=event_id, source="tests", data={
        "source": "api", "activity": activity, "email": email,
        "occurred_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)})


async def _handle(repo, events):
    return await handlers.engagement_recorded(repo, events, qualified_topic="q", source="handoff/scorer")


async def test_every_event_is_recorded():
    repo = RecordingRepository()
    await _handle(repo, [_event("1", "page_view"), _event("2", "email_open")])
    assert [e.id for e in repo.recorded] == ["1", "2"]


async def test_a_demo_request_emits_one_qualification_per_lead():
    repo = RecordingRepository()
    emitted = await _handle(repo, [_event("1", "demo_request"), _event("2", "demo_request")])
    assert [e.data.lead_key for e in emitted] == ["ada@example.com"]
    assert [m.topic for m in repo.outbox] == ["q"]


async def test_a_lead_already_sales_ready_is_not_qualified_again():
    repo = RecordingRepository(qualified={"ada@example.com"})
    assert await _handle(repo, [_event("1", "demo_request")]) == []


async def test_the_qualification_id_is_derived_from_the_input_event():
    first = await _handle(RecordingRepository(), [_event("1", "demo_request")])
    again = await _handle(RecordingRepository(), [_event("1", "demo_request")])
    assert first[0].id == again[0].id
