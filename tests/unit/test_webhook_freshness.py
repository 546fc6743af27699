"""The signed body's own time bounds a Mautic or Segment replay (issue #18)."""

from datetime import UTC, datetime, timedelta

from services.scorer.integrations.freshness import mautic_sent_at, segment_sent_at, staleness

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIVE_MIN = timedelta(minutes=5)


def test_mautic_names_its_send_time_at_the_top_of_the_body():
    assert mautic_sent_at({"timestamp": "2026-12-01T11:58:00+00:00", "mautic.page_on_hit": []}) == \
        datetime(2026, 12, 1, 11, 58, tzinfo=UTC)


def test_without_a_top_level_time_mautic_is_dated_by_its_newest_item():
    body = {"mautic.page_on_hit": [{"hit": {}, "timestamp": "2026-12-01T11:40:00+00:00"},
                                   {"hit": {}, "timestamp": "2026-12-01T11:50:00+00:00"}],
            "mautic.form_on_submit": [{"submission": {}, "timestamp": "2026-12-01T11:45:00+00:00"}]}
    assert mautic_sent_at(body) == datetime(2026, 12, 1, 11, 50, tzinfo=UTC)


def test_a_mautic_body_with_no_time_anywhere_has_none():
    assert mautic_sent_at({"mautic.page_on_hit": [{"hit": {}}]}) is None


def test_segment_takes_the_newest_received_at_of_the_batch():
    body = {"batch": [{"receivedAt": "2026-12-01T10:00:00Z"}, {"receivedAt": "2026-12-01T11:00:00Z"}]}
    assert segment_sent_at(body) == datetime(2026, 12, 1, 11, tzinfo=UTC)


def test_a_single_segment_call_falls_back_to_its_sent_at():
    assert segment_sent_at({"type": "track", "sentAt": "2026-12-01T11:00:00Z"}) == datetime(2026, 12, 1, 11, tzinfo=UTC)


def test_a_request_within_the_tolerance_is_taken():
    assert staleness(NOW - timedelta(minutes=4), NOW, FIVE_MIN, "send time") is None


def test_a_request_older_than_the_tolerance_is_refused():
    assert "older than 300 s" in staleness(NOW - timedelta(minutes=6), NOW, FIVE_MIN, "send time")


def test_a_request_from_beyond_the_tolerance_in_the_future_is_refused():
    assert "future" in staleness(NOW + timedelta(minutes=6), NOW, FIVE_MIN, "send time")


def test_a_body_without_a_time_is_refused():
    assert "no send time" in staleness(None, NOW, FIVE_MIN, "send time")
