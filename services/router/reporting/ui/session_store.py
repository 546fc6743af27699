"""SQL of dashboard sessions: a random token's hash, who signed in, until when."""

import hashlib
import secrets

import asyncpg

from services.shared.auth import ADMIN_KEY_ID, Principal

_LIVE = """
SELECT s.key_id, s.role FROM router.ui_sessions s LEFT JOIN access.api_keys k ON k.key_id = s.key_id
WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
  AND (s.key_id = $2 OR (k.key_id IS NOT NULL AND k.revoked_at IS NULL))
"""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionRepository:
    def __init__(self, db: asyncpg.Pool | asyncpg.Connection) -> None:
        self._db = db

    async def open(self, principal: Principal, ttl_s: int) -> str:
        """A new session's token (shown to the browser once, stored only as its hash); drops long-dead ones."""
        token = secrets.token_urlsafe(32)
        await self._db.execute("DELETE FROM router.ui_sessions WHERE expires_at < now() - interval '1 day'")
        await self._db.execute(
            "INSERT INTO router.ui_sessions (token_hash, key_id, role, expires_at)"
            " VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
            token_hash(token), principal.key_id, principal.role, float(ttl_s))
        return token

    async def principal(self, token: str) -> Principal | None:
        """Who the live session `token` belongs to; None when unknown, expired, signed out or its key revoked."""
        row = await self._db.fetchrow(_LIVE, token_hash(token), ADMIN_KEY_ID)
        return Principal(row["key_id"], row["role"]) if row else None

    async def close(self, token: str) -> None:
        """Signs the session out; the token never works again."""
        await self._db.execute("UPDATE router.ui_sessions SET revoked_at = now() WHERE token_hash = $1"
                               " AND revoked_at IS NULL", token_hash(token))
