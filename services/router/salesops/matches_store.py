"""SQL of the account-match review queue: weak lead-to-account matches waiting for ops."""

from datetime import datetime
from typing import Any

import asyncpg

_COLUMNS = ("review_id, qualification_id, lead_key, account_id, score, method, compared, queued_at, status,"
            " decided_by, decided_at")


class MatchReviews:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def list(self, status: str | None, limit: int) -> list[dict[str, Any]]:
        """Oldest first (the queue's order); `status` None lists every status."""
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM router.account_match_reviews WHERE $1::text IS NULL OR status = $1"
            " ORDER BY queued_at, review_id LIMIT $2", status, limit)
        return [dict(r) for r in rows]

    async def get(self, review_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM router.account_match_reviews WHERE review_id = $1"
            f"{' FOR UPDATE' if lock else ''}", review_id)
        return dict(row) if row else None

    async def decide(self, review_id: int, status: str, key_id: str, at: datetime) -> dict[str, Any]:
        row = await self._conn.fetchrow(
            f"UPDATE router.account_match_reviews SET status = $2, decided_by = $3, decided_at = $4"
            f" WHERE review_id = $1 RETURNING {_COLUMNS}", review_id, status, key_id, at)
        return dict(row)
