"""The suggestion in force for comparison beside a lead's score: the latest suggestion that finished."""

from typing import Any

import asyncpg

from services.scorer.scoring.domain.scoring import lead_record
from services.scorer.suggestions.domain.factors import top_factors
from services.scorer.suggestions.store import SuggestionJobRepository


async def suggestion_factors(conn: asyncpg.Connection, lead_key: str) -> dict[str, Any] | None:
    """{job_id, draft_version, factors} for the lead, or None without a finished suggestion or the lead."""
    repo = SuggestionJobRepository(conn)
    latest = await repo.latest_factors()
    profile = await repo.profile(lead_key) if latest else None
    if latest is None or profile is None:
        return None
    job_id, draft_version, factors = latest
    return {"job_id": str(job_id), "draft_version": draft_version,
            "factors": top_factors(factors, lead_record(profile))}
