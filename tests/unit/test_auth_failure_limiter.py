"""The authentication-failure limiter: N failures of one subject in a window, then a wait (issue #18)."""

from services.shared.limiter import FailureLimiter


def test_a_subject_may_fail_up_to_the_limit_before_it_is_refused():
    limiter = FailureLimiter(limit=3, window_s=60)
    for at in (0, 1):
        limiter.failed("addr:1.2.3.4", at)
    assert limiter.retry_after("addr:1.2.3.4", 2) is None
    limiter.failed("addr:1.2.3.4", 2)
    assert limiter.retry_after("addr:1.2.3.4", 3) == 57


def test_the_wait_ends_when_the_oldest_failure_leaves_the_window():
    limiter = FailureLimiter(limit=2, window_s=10)
    limiter.failed("k", 0)
    limiter.failed("k", 5)
    assert limiter.retry_after("k", 9.5) == 0.5
    assert limiter.retry_after("k", 10) is None


def test_subjects_are_counted_apart():
    limiter = FailureLimiter(limit=1, window_s=60)
    limiter.failed("addr:a", 0)
    assert limiter.retry_after("addr:a", 1) is not None
    assert limiter.retry_after("addr:b", 1) is None


def test_memory_stays_bounded_by_forgetting_the_longest_idle_subjects():
    limiter = FailureLimiter(limit=1, window_s=60, max_subjects=100)
    limiter.failed("early", 0)
    for n in range(200):
        limiter.failed(f"junk-{n}", 1)
    assert limiter.retry_after("early", 2) is None
    assert limiter.retry_after("junk-199", 2) is not None
