from datetime import UTC, datetime
from pathlib import Path

from services.agreement.text import parse_agreement
from services.router.sla.domain.plan import plan_sla

EXAMPLE = parse_agreement(
    (Path(__file__).resolve().parents[2] / "deploy" / "agreements" / "example.yaml").read_text(), "yaml")
HOT = next(t for t in EXAMPLE.sla.tiers if t.name == "hot")


def first_touch_due(doc, tier, zone, routed_at):
    plan = plan_sla(doc, tier, zone, routed_at)
    return plan.first_touch_due if plan else None


def test_a_hot_lead_routed_on_friday_evening_is_due_on_monday_in_the_reps_zone():
    # Friday 2026-03-06 18:00 Berlin (17:00 UTC) is after hours: due Monday 09:00 + target, Berlin.
    due = first_touch_due(EXAMPLE, "hot", "Europe/Berlin", datetime(2026, 3, 6, 17, 0, tzinfo=UTC))
    assert due == datetime(2026, 3, 9, 8, HOT.first_touch_minutes, tzinfo=UTC)


def test_a_tier_without_an_sla_target_has_no_due_time():
    assert first_touch_due(EXAMPLE, "lukewarm", "UTC", datetime(2026, 3, 6, 10, tzinfo=UTC)) is None


def test_without_an_agreement_there_is_no_due_time():
    assert first_touch_due(None, "hot", "UTC", datetime(2026, 3, 6, 10, tzinfo=UTC)) is None
