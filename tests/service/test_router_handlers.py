"""The qualification handler with a simple repository double (no Kafka, no SQL)."""

from datetime import UTC, datetime

from schemas.messages import QualifiedEvent
from services.router.domain.routing import Candidate
from services.router.handlers import RoutingContext, lead_qualified

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CTX = RoutingContext(routed_topic="routed", followup_topic="followup", source="handoff/router",
                     default_pool="default", now=lambda: NOW)


class RecordingRepository:
    def __init__(self, candidates):
        self.candidates = candidates
        self.assignments, self.overflow, self.outbox = {}, [], []

    async def pool_candidates(self, pool_id):
        return self.candidates

    async def insert_assignment(self, a):
        if a.qualification_id in self.assignments:
            return False
        self.assignments[a.qualification_id] = a
        return True

    async def queue_overflow(self, qualification_id, *args):
        self.overflow.append(qualification_id)
        return True

    async def add_outbox(self, messages):
        self.outbox += messages


def _qualified(event_id: str = "q-1") -> QualifiedEvent:
    return QualifiedEvent(id=event_id, source="handoff/scorer", data={
        "lead_key": "ada@example.com", "source": "api", "qualified_at": NOW,
        "reason": "fast_track:demo_request", "tier": "hot"})


async def test_a_qualified_lead_is_assigned_and_announced_twice():
    repo = RecordingRepository([Candidate("rep-a", True)])
    await lead_qualified(repo, [_qualified()], CTX)
    assert [a.rep_id for a in repo.assignments.values()] == ["rep-a"]
    assert [(m.topic, m.event.type) for m in repo.outbox] == [
        ("routed", "handoff.lead.routed"), ("followup", "handoff.lead.followup")]


async def test_a_redelivered_qualification_is_not_assigned_twice():
    repo = RecordingRepository([Candidate("rep-a", True)])
    await lead_qualified(repo, [_qualified()], CTX)
    await lead_qualified(repo, [_qualified()], CTX)
    assert len(repo.assignments) == 1
    assert len(repo.outbox) == 2


async def test_with_nobody_available_the_lead_goes_to_overflow_and_says_so():
    repo = RecordingRepository([Candidate("rep-a", False)])
    await lead_qualified(repo, [_qualified()], CTX)
    assert repo.overflow == ["q-1"]
    assert repo.outbox[0].event.data.status == "overflow"
