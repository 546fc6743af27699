"""The qualification handler with simple repository doubles (no Kafka, no SQL)."""

from datetime import UTC, datetime

from schemas.messages import QualifiedEvent
from services.router.events import RoutingContext
from services.router.routing.domain.accounts import Account
from services.router.routing.domain.availability import RepState
from services.router.routing.domain.rotation import MemberState
from services.router.routing.domain.routing import Pool
from services.router.routing.handlers import lead_qualified, reassign
from services.router.routing.state import default_rules
from services.router.routing.store import OpenAssignment

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CTX = RoutingContext(routed_topic="routed", followup_topic="followup", source="handoff/router",
                     default_pool="default", now=lambda: NOW)


class RecordingRepository:
    def __init__(self):
        self.assignments, self.overflow, self.outbox, self.reviews = {}, [], [], []

    async def queue_account_review(self, qualification_id, lead_key, review, at):
        self.reviews.append((qualification_id, review["account_id"], review["score"]))

    async def insert_assignment(self, a):
        if a.qualification_id in self.assignments:
            return False
        self.assignments[a.qualification_id] = a
        return True

    async def handled_qualifications(self, qualification_ids):
        return {q for q in qualification_ids if q in self.assignments or q in self.overflow}

    async def insert_assignments(self, assignments):
        return {a.qualification_id for a in assignments if await self.insert_assignment(a)}

    async def insert_timers_of(self, timers):
        self.timers = {**getattr(self, "timers", {}), **timers}

    async def queue_overflow(self, qualification_id, *args):
        self.overflow.append(qualification_id)
        return True

    async def add_outbox(self, messages):
        self.outbox += messages


class RoutingState:
    """One pool, `default`, whose members and rep states the test sets."""

    def __init__(self, members: dict[str, int], reps: dict[str, RepState], named=()):
        self.pool = Pool("default", members=tuple(MemberState(r, w) for r, w in members.items()))
        self.reps, self.named = reps, list(named)

    async def named_accounts(self):
        return self.named

    async def current_rules(self, default_pool):
        return None, default_rules(default_pool)

    async def pools(self, pool_ids, *, lock):
        return {"default": self.pool}

    async def accounts_for(self, domains):
        return []

    async def rep_states(self, at, full_counts=()):
        return self.reps

    async def rep_time_zone(self, rep_id):
        return "Europe/Berlin"

    def assigned(self, rep_id, account_id=None):
        pass

    async def prefetch_accounts(self, domains):
        pass

    async def flush(self):
        pass

    async def save_rotation(self, pool_id, member, virtual_time):
        members = tuple(member if m.rep_id == member.rep_id else m for m in self.pool.members)
        self.pool = Pool("default", members=members, virtual_time=virtual_time)


def _qualified(event_id: str = "q-1") -> QualifiedEvent:
    return QualifiedEvent(id=event_id, source="handoff/scorer", data={
        "lead_key": "ada@example.com", "source": "api", "qualified_at": NOW,
        "reason": "fast_track:demo_request", "tier": "hot"})


async def test_a_qualified_lead_is_assigned_and_announced_twice():
    repo, state = RecordingRepository(), RoutingState({"rep-a": 1}, {"rep-a": RepState("rep-a")})
    await lead_qualified(repo, state, [_qualified()], CTX)
    assert [a.rep_id for a in repo.assignments.values()] == ["rep-a"]
    assert [(m.topic, m.event.type) for m in repo.outbox] == [
        ("routed", "handoff.lead.routed"), ("followup", "handoff.lead.followup")]


async def test_a_redelivered_qualification_is_not_assigned_twice():
    repo, state = RecordingRepository(), RoutingState({"rep-a": 1}, {"rep-a": RepState("rep-a")})
    await lead_qualified(repo, state, [_qualified()], CTX)
    await lead_qualified(repo, state, [_qualified()], CTX)
    assert len(repo.assignments) == 1
    assert len(repo.outbox) == 2


async def test_the_rotation_state_moves_on_after_each_assignment():
    reps = {r: RepState(r) for r in ("rep-a", "rep-b")}
    repo, state = RecordingRepository(), RoutingState({"rep-a": 1, "rep-b": 1}, reps)
    await lead_qualified(repo, state, [_qualified("q-1"), _qualified("q-2")], CTX)
    assert sorted(a.rep_id for a in repo.assignments.values()) == ["rep-a", "rep-b"]


async def test_with_nobody_available_the_lead_goes_to_overflow_and_says_why():
    repo, state = RecordingRepository(), RoutingState({"rep-a": 1}, {"rep-a": RepState("rep-a", active=False)})
    await lead_qualified(repo, state, [_qualified()], CTX)
    assert repo.overflow == ["q-1"]
    assert repo.outbox[0].event.data.status == "overflow"
    assert repo.outbox[0].event.data.reason == "every candidate was skipped"


def _with_company(company: str, event_id: str = "q-1") -> QualifiedEvent:
    event = _qualified(event_id)
    return event.model_copy(update={"data": event.data.model_copy(update={"attributes": {"company": company}})})


async def test_a_strong_name_match_routes_to_the_account_owner():
    acme = Account("acme", (), owner_rep_id="rep-owner", name="Acme Corporation")
    reps = {r: RepState(r) for r in ("rep-a", "rep-owner")}
    repo, state = RecordingRepository(), RoutingState({"rep-a": 1}, reps, [acme])
    await lead_qualified(repo, state, [_with_company("ACME Corp.")], CTX)
    (assignment,) = repo.assignments.values()
    assert (assignment.rep_id, assignment.account_id) == ("rep-owner", "acme")
    assert assignment.decision["account_match"]["method"] == "name" and repo.reviews == []


async def test_a_weak_name_match_routes_as_usual_and_is_queued_for_review():
    acme = Account("acme", (), owner_rep_id="rep-owner", name="Acme Analytics")
    reps = {r: RepState(r) for r in ("rep-a", "rep-owner")}
    repo, state = RecordingRepository(), RoutingState({"rep-a": 1}, reps, [acme])
    await lead_qualified(repo, state, [_with_company("Acme Analytics Europe")], CTX)
    (assignment,) = repo.assignments.values()
    assert (assignment.rep_id, assignment.account_id) == ("rep-a", None)
    assert [(q, a) for q, a, _ in repo.reviews] == [("q-1", "acme")]
    assert assignment.decision["account_review"]["account_id"] == "acme"


class ReassigningRepository(RecordingRepository):
    """Adds the open-assignment lookups reassignment needs."""

    async def open_assignment(self, qualification_id):
        attempts = [a for a in self.assignments.values() if a.qualification_id == qualification_id]
        if not attempts:
            return None
        last = max(attempts, key=lambda a: a.attempt)
        return OpenAssignment(last.assignment_id, last.rep_id, last.attempt, tuple(a.rep_id for a in attempts))

    async def insert_assignment(self, a):
        self.assignments[(a.qualification_id, a.attempt)] = a
        return True

    async def close_assignment(self, assignment_id, status):
        self.closed = (assignment_id, status)


async def test_a_reassignment_excludes_every_earlier_assignee():
    reps = {r: RepState(r) for r in ("rep-a", "rep-b", "rep-c")}
    repo, state = ReassigningRepository(), RoutingState({"rep-a": 1, "rep-b": 1, "rep-c": 1}, reps)
    qualified = _qualified()
    await lead_qualified(repo, state, [qualified], CTX)
    first = await reassign(repo, state, qualified.data, qualified.id, "sla_breached", CTX)
    second = await reassign(repo, state, qualified.data, qualified.id, "sla_breached", CTX)
    assert len({"rep-a", first, second}) == 3
    assert repo.outbox[-1].event.data.status == "reassigned"
    assert repo.outbox[-1].event.data.previous_rep_id == first


async def test_a_reassignment_with_nobody_left_overflows():
    repo, state = ReassigningRepository(), RoutingState({"rep-a": 1}, {"rep-a": RepState("rep-a")})
    qualified = _qualified()
    await lead_qualified(repo, state, [qualified], CTX)
    assert await reassign(repo, state, qualified.data, qualified.id, "sla_breached", CTX) is None
    assert repo.outbox[-1].event.data.status == "overflow"
