"""What the service processes logged about the faults: evidence that each fault bit, and how."""

from collections import Counter
from pathlib import Path

import orjson

# Messages of services/shared that show a fault being absorbed (or not), with a short label.
SIGNS = {
    "database unavailable; retrying": "DB retries",
    "batch failed; isolating records": "batches isolated",
    "record dead-lettered": "dead-lettered",
    "offset commit failed": "commits refused",
    "fetch failed; retrying": "fetch retries",
    "outbox relay failed; retrying": "relay retries",
    "agreement refresh failed; retrying": "agreement refresh retries",
    "background task failed": "background tasks failed",
}


def warning_counts(logs: list[Path]) -> Counter:
    """How often each sign appears over the processes' JSON log lines."""
    counts: Counter = Counter()
    for path in logs:
        for line in path.read_bytes().splitlines():
            if not line.startswith(b"{"):
                continue  # a warning printed by a library outside the JSON logger
            try:
                message = orjson.loads(line).get("msg")
            except orjson.JSONDecodeError:
                continue
            if message in SIGNS:
                counts[SIGNS[message]] += 1
    return counts


def causes(logs: list[Path], sign: str) -> Counter:
    """The distinct `error` values logged with one of the signs (e.g. what made batches fail)."""
    wanted = next(m for m, label in SIGNS.items() if label == sign)
    found: Counter = Counter()
    for path in logs:
        for line in path.read_bytes().splitlines():
            if line.startswith(b"{") and wanted.encode() in line:
                error = orjson.loads(line).get("error", "")
                found[error.split("(")[0]] += 1
    return found
