from datetime import UTC, datetime, timedelta

import pytest

from schemas.events import ActivityKind, FollowupStatus, LeadFollowup
from services.agreement.handoff_sections import Recycle
from services.scorer.scoring.domain.lifecycle import LeadStage, counted, follow, follow_all, may_qualify
from services.scorer.scoring.domain.scoring import Touch

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUALIFIED = LeadStage("ada@acme.example", "routed", qualified_at=T0)
DEFAULTS = Recycle()


def _step(status: str, hours: float = 1) -> LeadFollowup:
    return LeadFollowup(lead_key="ada@acme.example", status=FollowupStatus(status),
                        occurred_at=T0 + timedelta(hours=hours), reason="no budget")


def _touch(key: str, hours: float) -> Touch:
    return Touch(event_key=key, activity=ActivityKind.PAGE_VIEW, occurred_at=T0 + timedelta(hours=hours))


def test_a_recycle_returns_the_lead_to_nurture_unqualified():
    after = follow(QUALIFIED, _step("recycled"), DEFAULTS)
    assert (after.lifecycle, after.qualified_at) == ("recycled", None)


def test_a_recycle_records_its_time_and_counts():
    after = follow(QUALIFIED, _step("recycled"), DEFAULTS)
    assert (after.recycled_at, after.recycle_count) == (T0 + timedelta(hours=1), 1)


def test_a_recycle_resets_engagement_from_its_time_when_the_agreement_says_so():
    assert follow(QUALIFIED, _step("recycled"), DEFAULTS).engagement_since == T0 + timedelta(hours=1)


def test_a_recycle_without_reset_keeps_counting_earlier_engagement():
    after = follow(QUALIFIED, _step("recycled"), Recycle(reset_engagement=False))
    assert after.engagement_since is None


def test_a_recycle_without_reset_keeps_an_earlier_reset():
    earlier = LeadStage("ada@acme.example", "routed", qualified_at=T0, recycled_at=T0 - timedelta(days=9),
                        recycle_count=1, engagement_since=T0 - timedelta(days=9))
    after = follow(earlier, _step("recycled"), Recycle(reset_engagement=False))
    assert after.engagement_since == T0 - timedelta(days=9)


def test_a_recycle_starts_the_cooldown_of_the_agreement():
    after = follow(QUALIFIED, _step("recycled"), Recycle(requalify_after_days=14))
    assert after.requalify_after == T0 + timedelta(hours=1, days=14)


def test_without_a_cooldown_the_lead_may_requalify_from_the_recycle_on():
    assert follow(QUALIFIED, _step("recycled"), DEFAULTS).requalify_after == T0 + timedelta(hours=1)


def test_a_recycle_older_than_the_current_qualification_changes_nothing():
    assert follow(QUALIFIED, _step("recycled", hours=-1), DEFAULTS) == QUALIFIED


def test_a_repeated_recycle_counts_once():
    once = follow(QUALIFIED, _step("recycled"), DEFAULTS)
    assert follow(once, _step("recycled"), DEFAULTS) == once


def test_a_later_recycle_of_a_requalified_lead_counts_again():
    once = follow(QUALIFIED, _step("recycled"), DEFAULTS)
    requalified = LeadStage(once.lead_key, "sales_ready", T0 + timedelta(days=2), once.recycled_at, 1,
                            once.engagement_since, once.requalify_after)
    assert follow(requalified, _step("recycled", hours=50), DEFAULTS).recycle_count == 2


@pytest.mark.parametrize("status,lifecycle", [
    ("assigned", "routed"), ("touched", "touched"), ("accepted", "accepted"), ("converted", "converted"),
    ("won", "won"), ("lost", "lost")])
def test_a_step_moves_a_sales_ready_lead_forward(status, lifecycle):
    ready = LeadStage("ada@acme.example", "sales_ready", qualified_at=T0)
    assert follow(ready, _step(status), DEFAULTS).lifecycle == lifecycle


def test_a_step_never_moves_a_lead_backwards():
    accepted = LeadStage("ada@acme.example", "accepted", qualified_at=T0)
    assert follow(accepted, _step("touched"), DEFAULTS) == accepted


@pytest.mark.parametrize("status", ["sla_warning", "sla_breached", "reassigned", "escalated", "overflow",
                                    "unworked", "rejected"])
def test_other_steps_leave_the_lifecycle_alone(status):
    assert follow(QUALIFIED, _step(status), DEFAULTS) == QUALIFIED


def test_a_late_step_of_the_assignment_before_the_recycle_does_not_move_the_recycled_lead():
    recycled = follow(QUALIFIED, _step("recycled", hours=5), DEFAULTS)
    assert follow(recycled, _step("touched", hours=4), DEFAULTS) == recycled


def test_a_first_touch_at_the_recycles_instant_arriving_after_it_leaves_the_lead_recycled():
    recycled = follow(QUALIFIED, _step("recycled", hours=5), DEFAULTS)
    assert follow(recycled, _step("touched", hours=5), DEFAULTS) == recycled


def test_no_step_moves_a_recycled_lead_until_it_qualifies_again():
    recycled = follow(QUALIFIED, _step("recycled", hours=5), DEFAULTS)
    assert follow(recycled, _step("accepted", hours=6), DEFAULTS) == recycled


def test_a_rejection_and_its_recycle_at_the_same_time_end_recycled():
    after = follow_all(QUALIFIED, [_step("rejected"), _step("recycled")], DEFAULTS)
    assert (after.lifecycle, after.recycle_count) == ("recycled", 1)


def test_steps_apply_in_event_time_order_whatever_order_they_arrive_in():
    ready = LeadStage("ada@acme.example", "sales_ready", qualified_at=T0)
    after = follow_all(ready, [_step("recycled", hours=3), _step("accepted", hours=2)], DEFAULTS)
    assert after.lifecycle == "recycled"


def test_only_touches_after_a_reset_count():
    touches = [_touch("old", 0), _touch("at", 1), _touch("new", 2)]
    assert [t.event_key for t in counted(touches, T0 + timedelta(hours=1))] == ["new"]


def test_without_a_reset_every_touch_counts():
    assert len(counted([_touch("old", 0), _touch("new", 2)], None)) == 2


def test_a_lead_already_qualified_may_not_qualify_again():
    assert not may_qualify("sales_ready", T0, None, T0 + timedelta(days=1))


def test_a_recycled_lead_may_not_qualify_inside_its_cooldown():
    assert not may_qualify("recycled", None, T0 + timedelta(days=14), T0 + timedelta(days=13))


def test_a_recycled_lead_may_qualify_once_its_cooldown_is_over():
    assert may_qualify("recycled", None, T0 + timedelta(days=14), T0 + timedelta(days=14))
