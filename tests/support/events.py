"""Builders of valid engagement CloudEvents for tests."""

import uuid
from datetime import UTC, datetime


def unique_email(tag: str = "lead", domain: str | None = None) -> str:
    """A new lead's email; each at a company domain of its own unless `domain` is given,
    so account-level engagement does not join unrelated test leads."""
    return f"{tag}-{uuid.uuid4().hex[:8]}@{domain or uuid.uuid4().hex[:8] + '-example.com'}"


# A lead that fits the example agreement well: fit 20 + 15 + 10 + 25 + 10 = 80.
FITTING = {"company": "Acme GmbH", "employees": 200, "industry": "software", "country": "DE",
           "title": "VP Sales"}


def engagement(email: str | None = None, activity: str = "page_view", **data) -> dict:
    """A structured-mode engagement CloudEvent as a JSON-ready dict, from a fitting lead."""
    payload = {
        "source": "api",
        "activity": activity,
        "occurred_at": datetime.now(UTC).isoformat(),
        "attributes": dict(FITTING),
        **({"email": email} if email else {}),
        **data,
    }
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "tests",
        "type": "handoff.engagement.recorded",
        "data": payload,
    }
