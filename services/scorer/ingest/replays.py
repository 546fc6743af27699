"""SQL of the webhook replay guard: which signed bodies were taken lately."""

import hashlib
from datetime import timedelta

import asyncpg


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class ReplayGuard:
    def __init__(self, db: asyncpg.Pool) -> None:
        self._db = db

    async def seen(self, source: str, raw: bytes, window: timedelta) -> bool:
        """True when the same body of `source` was taken within `window`."""
        found: bool = await self._db.fetchval(
            "SELECT EXISTS (SELECT 1 FROM scorer.webhook_requests WHERE source = $1 AND digest = $2"
            " AND received_at > now() - $3::interval)", source, digest(raw), window)
        return found

    async def taken(self, source: str, raw: bytes, window: timedelta) -> None:
        """Records a body once Kafka has what it became (so a failed produce can be retried), and
        forgets bodies older than the window."""
        await self._db.execute("DELETE FROM scorer.webhook_requests WHERE source = $1"
                               " AND received_at < now() - $2::interval", source, window)
        await self._db.execute("INSERT INTO scorer.webhook_requests (source, digest) VALUES ($1, $2)"
                               " ON CONFLICT (source, digest) DO UPDATE SET received_at = now()",
                               source, digest(raw))
