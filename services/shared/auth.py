"""API keys: `Authorization: Bearer <key>`, compared by hash in constant time."""

import hashlib
import hmac
from collections.abc import Callable

from fastapi import Request

from services.shared.errors import ApiError

ROLES = ("marketing", "sales", "ops", "admin")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def bearer_key(request: Request) -> str:
    """The presented key, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "missing API key (Authorization: Bearer <key>)",
                       headers={"WWW-Authenticate": "Bearer"})
    return key.strip()


class KeyRing:
    """Known key hashes and their roles; the admin key from settings is always one."""

    def __init__(self, admin_key: str | None) -> None:
        self._roles: dict[str, str] = {}
        if admin_key:
            self._roles[key_hash(admin_key)] = "admin"

    def role_of(self, key: str) -> str | None:
        presented = key_hash(key)
        found = None
        for known, role in self._roles.items():
            # Compare every entry so timing does not depend on which one matches.
            if hmac.compare_digest(known, presented):
                found = role
        return found


def require_role(*allowed: str) -> Callable[[Request], str]:
    """A dependency that lets in keys with one of `allowed` roles (admin always)."""

    def dependency(request: Request) -> str:
        ring: KeyRing = request.app.state.keys
        role = ring.role_of(bearer_key(request))
        if role is None:
            raise ApiError(401, "unauthorized", "unknown API key", headers={"WWW-Authenticate": "Bearer"})
        if role != "admin" and role not in allowed:
            raise ApiError(403, "forbidden", f"role {role!r} may not do this; needs one of {list(allowed)}")
        return role

    return dependency
