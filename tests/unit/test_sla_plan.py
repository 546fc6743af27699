"""The SLA clock of one assignment: timers, breach actions, first-touch figures. Pure."""

from datetime import UTC, datetime
from pathlib import Path

from services.agreement.text import parse_agreement
from services.router.sla.domain.business_clock import WorkingHours
from services.router.sla.domain.plan import breach_action, first_touch, plan_sla, sla_tier

EXAMPLE = parse_agreement(
    (Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text(), "yaml")
HOT = sla_tier(EXAMPLE, "hot")  # 30 minutes, warnings at 0.5 and 0.8, accept within 240, reassign up to 2
BERLIN_OFFICE = WorkingHours("Europe/Berlin", start=datetime(2026, 1, 1, 9).time(),
                             end=datetime(2026, 1, 1, 17, 30).time())
MONDAY_9_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FRIDAY_17_BERLIN = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_warnings_fall_at_the_agreements_fractions_of_the_first_touch_target():
    plan = plan_sla(EXAMPLE, "hot", "Europe/Berlin", MONDAY_9_BERLIN)
    assert [(t.kind, t.seq, t.due_at) for t in plan.timers if t.kind == "warning"] == [
        ("warning", 1, _at(2, 8, 15)), ("warning", 2, _at(2, 8, 24))]


def test_the_breach_timer_is_due_with_the_first_touch():
    plan = plan_sla(EXAMPLE, "hot", "Europe/Berlin", MONDAY_9_BERLIN)
    assert plan.first_touch_due == _at(2, 8, 30)
    assert [t.due_at for t in plan.timers if t.kind == "breach"] == [plan.first_touch_due]


def test_the_accept_deadline_is_counted_in_business_time_too():
    plan = plan_sla(EXAMPLE, "hot", "Europe/Berlin", MONDAY_9_BERLIN)
    assert plan.accept_due == _at(2, 12, 0)
    assert [t.due_at for t in plan.timers if t.kind == "accept_breach"] == [plan.accept_due]


def test_timers_of_a_friday_evening_lead_wait_for_monday():
    # Friday 17:00 Berlin: 30 minutes left that day; the hot lead's 15-minute warning still fits,
    # the 24-minute one too, and the breach lands at 17:30 exactly.
    plan = plan_sla(EXAMPLE, "hot", "Europe/Berlin", FRIDAY_17_BERLIN)
    assert plan.first_touch_due == _at(6, 16, 30)
    late = plan_sla(EXAMPLE, "hot", "Europe/Berlin", _at(6, 16, 20))  # 17:20: 10 minutes left
    assert late.first_touch_due == _at(9, 8, 20)  # Monday 09:20 Berlin


def test_the_reps_own_time_zone_decides_the_due_time():
    plan = plan_sla(EXAMPLE, "hot", "America/New_York", _at(2, 14, 0))  # 09:00 in New York
    assert plan.first_touch_due == _at(2, 14, 30)


def test_a_tier_without_an_sla_target_has_no_plan():
    assert plan_sla(EXAMPLE, "lukewarm", "Europe/Berlin", MONDAY_9_BERLIN) is None
    assert plan_sla(None, "hot", "Europe/Berlin", MONDAY_9_BERLIN) is None


def test_a_breach_is_reassigned_up_to_the_tiers_limit_then_left_unworked():
    assert [breach_action(HOT, attempt).reassign for attempt in (1, 2, 3)] == [True, True, False]


def test_a_breach_escalates_when_the_tier_says_so():
    assert breach_action(HOT, 1).escalate is True


def test_without_a_target_a_breach_neither_escalates_nor_reassigns():
    action = breach_action(None, 1)
    assert (action.escalate, action.reassign) == (False, False)


def test_first_touch_minutes_count_only_business_time():
    # Routed Friday 17:20 Berlin, touched Monday 09:05: 10 + 5 business minutes.
    touch = first_touch(BERLIN_OFFICE, _at(6, 16, 20), _at(9, 8, 20), _at(9, 8, 5))
    assert (touch.business_minutes, touch.on_time) == (15.0, True)


def test_a_touch_after_the_due_time_is_late():
    touch = first_touch(BERLIN_OFFICE, MONDAY_9_BERLIN, _at(2, 8, 30), _at(2, 8, 31))
    assert (touch.business_minutes, touch.on_time) == (31.0, False)


def test_a_touch_before_the_routing_counts_as_zero_minutes():
    touch = first_touch(BERLIN_OFFICE, MONDAY_9_BERLIN, _at(2, 8, 30), _at(2, 7, 0))
    assert (touch.business_minutes, touch.on_time) == (0.0, True)


def test_without_a_calendar_minutes_are_wall_clock_minutes():
    touch = first_touch(None, MONDAY_9_BERLIN, None, _at(2, 9, 30))
    assert (touch.business_minutes, touch.on_time) == (90.0, True)
