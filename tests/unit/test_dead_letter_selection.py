"""Which dead letters an operator's filter admits, and what a replayed record carries."""

from datetime import UTC, datetime, timedelta

import pytest

from services.shared.dlq import REPLAYED_FROM, DeadLetter, DeadLetterFilter
from services.shared.windows import parse_since

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def letter(offset: int = 7, error: str = "processing failed: KeyError('rep')", at: datetime = NOW,
           headers: tuple[tuple[str, bytes], ...] | None = None) -> DeadLetter:
    return DeadLetter(
        topic="handoff.lead.qualified.v1.dlq", partition=2, offset=offset, timestamp=at, key=b"ada@acme.example",
        value=b"{}", headers=headers if headers is not None else (
            ("content-type", b"application/cloudevents+json"), ("dlq.original.topic", b"handoff.lead.qualified.v1"),
            ("dlq.original.partition", b"2"), ("dlq.original.offset", b"41"), ("dlq.error", error.encode())))


def test_no_filter_admits_every_dead_letter():
    assert DeadLetterFilter().admits(letter())


def test_since_leaves_out_older_dead_letters():
    which = DeadLetterFilter(since=NOW - timedelta(hours=1))
    assert which.admits(letter(at=NOW))
    assert not which.admits(letter(at=NOW - timedelta(hours=2)))


def test_the_error_text_matches_in_any_case():
    assert DeadLetterFilter(error_contains="keyerror").admits(letter())
    assert not DeadLetterFilter(error_contains="timeout").admits(letter())


def test_positions_admit_only_the_chosen_records():
    which = DeadLetterFilter(positions=frozenset({(2, 7)}))
    assert which.admits(letter(offset=7))
    assert not which.admits(letter(offset=8))


def test_a_dead_letter_knows_where_it_came_from():
    assert letter().original_topic == "handoff.lead.qualified.v1"
    assert letter().original_position == (2, 41)
    assert letter().error == "processing failed: KeyError('rep')"


def test_without_its_headers_the_origin_is_the_dead_letter_topics_own_topic():
    bare = letter(headers=())
    assert bare.original_topic == "handoff.lead.qualified.v1"
    assert bare.original_position is None


def test_a_replay_keeps_the_records_own_headers_drops_the_dead_letter_ones_and_says_where_it_came_from():
    replayed = letter().replay_headers()
    assert replayed == [("content-type", b"application/cloudevents+json"),
                        (REPLAYED_FROM, b"handoff.lead.qualified.v1.dlq/2/7")]


def test_a_replayed_record_dead_lettered_again_names_only_its_latest_origin():
    again = letter(headers=(("content-type", b"application/json"), (REPLAYED_FROM, b"x.dlq/0/1"))).replay_headers()
    assert [k for k, _ in again] == ["content-type", REPLAYED_FROM]
    assert again[-1][1] == b"handoff.lead.qualified.v1.dlq/2/7"


@pytest.mark.parametrize(("text", "ago"), [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                           ("2w", timedelta(weeks=2)), ("90m", timedelta(minutes=90))])
def test_a_duration_reaches_back_from_now(text, ago):
    assert parse_since(text, NOW) == NOW - ago


def test_an_iso_timestamp_with_its_offset_is_taken_as_it_is():
    assert parse_since("2026-11-01T00:00:00+00:00", NOW) == datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", ["99999999d", "400000w", "yesterday", "2026-11-01T00:00:00", "-3d", "3y"])
def test_a_window_that_names_no_instant_we_can_use_is_refused_with_a_message(text):
    with pytest.raises(ValueError, match=r"\S"):
        parse_since(text, NOW)
