"""API keys: `Authorization: Bearer <key>`, stored as SHA-256 hashes, each with one role."""

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from fastapi import Request

from services.shared.errors import ApiError
from services.shared.state import service_state

ROLES = ("marketing", "sales", "ops", "admin")
ADMIN_KEY_ID = "settings-admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and its role."""

    key_id: str
    role: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return f"hk_{secrets.token_urlsafe(32)}"


def bearer_key(request: Request) -> str:
    """The presented key, or 401."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "missing API key (Authorization: Bearer <key>)",
                       headers={"WWW-Authenticate": "Bearer"})
    return key.strip()


async def create_key(conn: asyncpg.Connection, name: str, role: str) -> tuple[str, str]:
    """Stores a new key's hash; returns (key_id, key). The key itself is shown once."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    key, key_id = new_key(), f"key_{secrets.token_hex(6)}"
    await conn.execute(
        "INSERT INTO access.api_keys (key_id, name, role, key_hash) VALUES ($1, $2, $3, $4)",
        key_id, name, role, key_hash(key),
    )
    return key_id, key


class KeyRing:
    """Resolves keys to principals: the settings' admin key, then stored keys (cached briefly)."""

    def __init__(self, admin_key: str | None, pool: asyncpg.Pool | None = None,
                 ttl_s: float = 5.0) -> None:
        self._admin_hash = key_hash(admin_key) if admin_key else None
        self._pool = pool
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def principal(self, key: str) -> Principal | None:
        presented = key_hash(key)
        # Constant-time compare; the stored lookup below is by hash, never by the key.
        if self._admin_hash and hmac.compare_digest(self._admin_hash, presented):
            return Principal(ADMIN_KEY_ID, "admin")
        if self._pool is None:
            return None
        cached = self._cache.get(presented)
        if cached and time.monotonic() - cached[0] < self._ttl_s:
            return cached[1]
        row = await self._pool.fetchrow(
            "SELECT key_id, role FROM access.api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            presented,
        )
        found = Principal(row["key_id"], row["role"]) if row else None
        if len(self._cache) > 10_000:
            self._cache.clear()  # bounded: keys are few, junk keys must not grow memory
        self._cache[presented] = (time.monotonic(), found)
        return found


def require_role(*allowed: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting keys with one of `allowed` roles (admin always); returns the Principal."""

    async def dependency(request: Request) -> Principal:
        principal = await service_state(request).keys.principal(bearer_key(request))
        if principal is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key",
                           headers={"WWW-Authenticate": "Bearer"})
        if principal.role != "admin" and principal.role not in allowed:
            raise ApiError(403, "forbidden",
                           f"role {principal.role!r} may not do this; allowed: {sorted(allowed)}")
        return principal

    return dependency


# The read side every service shares: any business role (and admin). Use as Depends(READERS).
READERS = require_role("marketing", "sales", "ops")
