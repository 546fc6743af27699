"""When a CRM activity is acceptable, and what it announces. Pure."""

from datetime import UTC, datetime, timedelta

from schemas.events import CrmActivityRecorded, FollowupStatus
from services.router.crm.domain.activities import OUTCOME_STATUSES, followup_statuses, problems, supersedes

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REASONS = ("no budget", "bad contact data")


def _activity(**data) -> CrmActivityRecorded:
    return CrmActivityRecorded(**{"activity_id": "a-1", "lead_key": "ada@example.com", "kind": "call",
                                  "occurred_at": NOW, **data})


def test_a_call_in_the_past_is_acceptable():
    assert problems(_activity(), REASONS, NOW) == []


def test_a_timestamp_within_the_clock_skew_is_acceptable():
    assert problems(_activity(occurred_at=NOW + timedelta(minutes=4)), REASONS, NOW) == []


def test_a_timestamp_beyond_the_clock_skew_is_refused():
    [(field, message)] = problems(_activity(occurred_at=NOW + timedelta(minutes=6)), REASONS, NOW)
    assert field == "occurred_at" and "future" in message


def test_an_unknown_status_is_refused_listing_the_allowed_values():
    [(field, message)] = problems(_activity(kind="status", status="maybe"), REASONS, NOW)
    assert field == "status"
    assert all(s in message for s in OUTCOME_STATUSES)


def test_a_status_activity_needs_a_status():
    [(field, _)] = problems(_activity(kind="status"), REASONS, NOW)
    assert field == "status"


def test_a_rejection_needs_a_reason():
    [(field, message)] = problems(_activity(kind="status", status="rejected"), REASONS, NOW)
    assert field == "reason" and "no budget" in message


def test_a_rejection_reason_must_be_one_of_the_agreements():
    [(field, message)] = problems(_activity(kind="status", status="rejected", reason="meh"), REASONS, NOW)
    assert field == "reason" and "allowed values" in message


def test_without_an_agreement_any_rejection_reason_is_taken():
    assert problems(_activity(kind="status", status="rejected", reason="meh"), None, NOW) == []


def test_a_rejection_announces_rejected_then_recycled():
    activity = _activity(kind="status", status="rejected", reason="no budget")
    assert followup_statuses(activity) == (FollowupStatus.REJECTED, FollowupStatus.RECYCLED)


def test_a_touch_without_a_status_announces_no_outcome():
    assert followup_statuses(_activity()) == ()


def test_a_later_stage_supersedes_an_earlier_one_whatever_the_arrival_order():
    assert supersedes("won", NOW, "accepted", NOW + timedelta(hours=1))
    assert not supersedes("accepted", NOW, "won", NOW - timedelta(hours=1))


def test_the_same_stage_reported_later_supersedes():
    assert supersedes("accepted", NOW + timedelta(minutes=1), "accepted", NOW)
    assert not supersedes("accepted", NOW - timedelta(minutes=1), "accepted", NOW)
