"""API keys: `Authorization: Bearer <key>`, stored as SHA-256 hashes, each with one role."""

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

import asyncpg
from fastapi import Request

from services.shared.errors import ApiError
from services.shared.limiter import FailureLimiter
from services.shared.state import service_state

ROLES = ("marketing", "sales", "ops", "admin")
ADMIN_KEY_ID = "settings-admin"
PRINCIPAL = "handoff.principal"  # where the edge leaves the authenticated caller in the request's state
NEGATIVE_CACHE = 4096  # unknown keys remembered briefly, apart from the known ones


class Throttled(Exception):
    """Too many authentication failures from this address or with this key."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"retry after {retry_after_s:.0f} s")
        self.retry_after_s = max(1, math.ceil(retry_after_s))


def throttled_error(exc: Throttled) -> ApiError:
    return ApiError(429, "too_many_failures",
                    f"too many failed authentications; retry after {exc.retry_after_s} s",
                    headers={"Retry-After": str(exc.retry_after_s)})


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
    """Resolves keys to principals: the settings' admin key, then stored keys (cached briefly).
    Known keys and unknown ones are cached apart, so a flood of junk keys never evicts a real one."""

    def __init__(self, admin_key: str | None, pool: asyncpg.Pool | None = None,
                 ttl_s: float = 5.0, failures: FailureLimiter | None = None) -> None:
        self._admin_hash = key_hash(admin_key) if admin_key else None
        self._pool = pool
        self._ttl_s = ttl_s
        self._known: dict[str, tuple[float, Principal]] = {}
        self._unknown: OrderedDict[str, float] = OrderedDict()
        self._failures = failures or FailureLimiter(limit=20, window_s=60)

    async def principal(self, key: str) -> Principal | None:
        presented = key_hash(key)
        # Constant-time compare; the stored lookup below is by hash, never by the key.
        if self._admin_hash and hmac.compare_digest(self._admin_hash, presented):
            return Principal(ADMIN_KEY_ID, "admin")
        if self._pool is None:
            return None
        now = time.monotonic()
        known = self._known.get(presented)
        if known and now - known[0] < self._ttl_s:
            return known[1]
        seen = self._unknown.get(presented)
        if seen is not None and now - seen < self._ttl_s:
            return None
        row = await self._pool.fetchrow(
            "SELECT key_id, role FROM access.api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
            presented,
        )
        if row is None:
            self._known.pop(presented, None)
            self._unknown[presented] = now
            self._unknown.move_to_end(presented)
            while len(self._unknown) > NEGATIVE_CACHE:
                self._unknown.popitem(last=False)
            return None
        self._unknown.pop(presented, None)
        found = Principal(row["key_id"], row["role"])
        self._known[presented] = (now, found)  # bounded by the number of real keys
        return found

    def check_throttle(self, address: str, key: str | None = None) -> None:
        """Raises Throttled when `address` (or `key`) failed too often lately."""
        now = time.monotonic()
        for subject in (f"addr:{address}", *([f"key:{key_hash(key)}"] if key else [])):
            wait = self._failures.retry_after(subject, now)
            if wait is not None:
                raise Throttled(wait)

    def record_failure(self, address: str, key: str | None = None) -> None:
        """Counts a failed authentication (an unknown key, a bad signature) against `address` and `key`."""
        now = time.monotonic()
        self._failures.failed(f"addr:{address}", now)
        if key:
            self._failures.failed(f"key:{key_hash(key)}", now)

    async def authenticate(self, key: str, address: str) -> Principal | None:
        """The key's principal, or None (counted as a failure); Throttled when refused beforehand."""
        self.check_throttle(address, key)
        found = await self.principal(key)
        if found is None:
            self.record_failure(address, key)
        return found


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn applies trusted proxies' X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


class RoleCheck:
    """A dependency admitting keys with one of `roles` (admin always); returns the Principal.
    The edge (`services/shared/edge.py`) reads `roles` to authenticate before the body is read."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    def refusal(self, principal: Principal) -> ApiError | None:
        """403 when the principal's role may not call this route."""
        if principal.role != "admin" and principal.role not in self.roles:
            return ApiError(403, "forbidden",
                            f"role {principal.role!r} may not do this; allowed: {sorted(self.roles)}")
        return None

    async def __call__(self, request: Request) -> Principal:
        principal: Principal | None = request.scope.get("state", {}).get(PRINCIPAL)
        if principal is None:  # not authenticated at the edge (a route served without it)
            keys = service_state(request).keys
            try:
                principal = await keys.authenticate(bearer_key(request), client_address(request))
            except Throttled as exc:
                raise throttled_error(exc) from exc
        if principal is None:
            raise ApiError(401, "unauthorized", "unknown or revoked API key",
                           headers={"WWW-Authenticate": "Bearer"})
        refused = self.refusal(principal)
        if refused:
            raise refused
        return principal


def require_role(*allowed: str) -> RoleCheck:
    """A dependency admitting keys with one of `allowed` roles (admin always); returns the Principal."""
    return RoleCheck(*allowed)


# The read side every service shares: any business role (and admin). Use as Depends(READERS).
READERS = require_role("marketing", "sales", "ops")
