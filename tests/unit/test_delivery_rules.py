"""Outbound delivery rules: filters, destination URLs, backoff with jitter."""

from datetime import UTC, datetime, timedelta

import pytest

from services.router.deliveries.domain.delivery import RetryPolicy, delivered, filter_problem, matches, url_problem

NOW = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_s=2, cap_s=60, max_attempts=5, max_age_s=3600)


def test_a_filter_names_a_deliverable_type_or_a_followup_status():
    assert filter_problem("handoff.lead.routed") is None
    assert filter_problem("handoff.lead.followup") is None
    assert filter_problem("handoff.lead.followup:touched") is None


@pytest.mark.parametrize("bad", ["handoff.lead.qualified", "handoff.lead.routed:assigned",
                                 "handoff.lead.followup:called", ""])
def test_a_filter_of_another_type_or_an_unknown_status_is_refused(bad):
    assert filter_problem(bad)


def test_a_type_filter_matches_every_status_of_that_type():
    assert matches(["handoff.lead.followup"], "handoff.lead.followup", "touched")


def test_a_status_filter_matches_only_that_status():
    filters = ["handoff.lead.followup:touched"]
    assert matches(filters, "handoff.lead.followup", "touched")
    assert not matches(filters, "handoff.lead.followup", "assigned")
    assert not matches(filters, "handoff.lead.routed")


def test_a_public_https_url_is_accepted():
    assert url_problem("https://crm.example.com/hooks?token=x", allow_loopback=False) is None


@pytest.mark.parametrize("url", ["http://crm.example.com/hooks", "ftp://crm.example.com", "crm.example.com/hooks",
                                 "https://user:pw@crm.example.com/", "https://crm.example.com/#x",
                                 "https://10.0.0.8/hooks", "https://169.254.169.254/", "https://[fd00::1]/",
                                 "https://crm.example.com:99999/"])
def test_plain_http_credentials_fragments_and_private_addresses_are_refused(url):
    assert url_problem(url, allow_loopback=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "https://[::1]/hook"])
def test_loopback_receivers_only_when_allowed(url):
    assert url_problem(url, allow_loopback=True) is None
    assert url_problem(url, allow_loopback=False)


def test_only_2xx_ends_a_delivery():
    assert delivered(200) and delivered(204)
    assert not any(delivered(code) for code in (301, 400, 410, 429, 500))


def test_each_retry_ceiling_doubles_up_to_the_cap():
    ceilings = [POLICY.next_attempt(n, NOW, NOW, lambda: 0.999999) - NOW for n in range(1, 5)]
    assert [round(c.total_seconds()) for c in ceilings] == [2, 4, 8, 16]
    slow = RetryPolicy(base_s=2, cap_s=60, max_attempts=50, max_age_s=10**6)
    late = slow.next_attempt(20, NOW, NOW, lambda: 0.999999)
    assert late - NOW <= timedelta(seconds=60)


def test_full_jitter_spreads_the_delay_from_zero_to_the_ceiling():
    assert POLICY.next_attempt(3, NOW, NOW, lambda: 0.0) == NOW
    assert POLICY.next_attempt(3, NOW, NOW, lambda: 0.5) == NOW + timedelta(seconds=4)


def test_the_last_attempt_gives_up():
    assert POLICY.next_attempt(5, NOW, NOW, lambda: 0.5) is None


def test_no_retry_is_planned_past_the_maximum_age():
    queued = NOW - timedelta(seconds=3599)
    assert POLICY.next_attempt(2, NOW, queued, lambda: 0.5) is None
