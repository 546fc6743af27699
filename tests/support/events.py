"""Builders of valid engagement CloudEvents for tests."""

import uuid
from datetime import UTC, datetime


def unique_email(tag: str = "lead") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


def engagement(email: str | None = None, activity: str = "page_view", **data) -> dict:
    """A structured-mode engagement CloudEvent as a JSON-ready dict."""
    payload = {
        "source": "api",
        "activity": activity,
        "occurred_at": datetime.now(UTC).isoformat(),
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
