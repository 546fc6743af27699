"""Counting authentication failures per subject (an address, a key's hash): pure, time passed in."""

from collections import OrderedDict, deque


class FailureLimiter:
    """After `limit` failures of one subject within `window_s`, that subject is refused until the
    oldest of them leaves the window. Memory is bounded: past `max_subjects`, the subjects idle
    longest are forgotten first (a flood of fresh junk only ever evicts junk)."""

    def __init__(self, limit: int, window_s: float, max_subjects: int = 50_000) -> None:
        self._limit, self._window_s, self._max = limit, window_s, max_subjects
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, subject: str, now: float) -> float | None:
        """Seconds until `subject` may try again, or None when it may now."""
        times = self._failures.get(subject)
        if times is None:
            return None
        while times and times[0] <= now - self._window_s:
            times.popleft()
        if not times:
            del self._failures[subject]
            return None
        if len(times) < self._limit:
            return None
        return times[0] + self._window_s - now

    def failed(self, subject: str, now: float) -> None:
        """Records one failure of `subject`."""
        times = self._failures.get(subject)
        if times is None:
            times = self._failures[subject] = deque(maxlen=self._limit)
            while len(self._failures) > self._max:
                self._failures.popitem(last=False)
        else:
            self._failures.move_to_end(subject)
        times.append(now)
