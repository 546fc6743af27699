"""/v1/keys: admins create, list and revoke API keys (the key is shown once, at creation)."""

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.shared.auth import create_key, require_role
from services.shared.deps import PoolDep
from services.shared.errors import ApiError, error_responses


class KeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Literal["marketing", "sales", "ops", "admin"]


class KeyCreated(BaseModel):
    key_id: str
    name: str
    role: str
    key: str = Field(description="Shown only now; only its hash is stored")


class KeyInfo(BaseModel):
    key_id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


def keys_router() -> APIRouter:
    router = APIRouter(prefix="/v1/keys", tags=["access"], dependencies=[Depends(require_role("admin"))],
                       responses=error_responses(401, 403, 404, 422))

    @router.post("", status_code=201, response_model=KeyCreated)
    async def create(body: KeyRequest, pool: PoolDep) -> KeyCreated:
        """Creates a key with one role."""
        async with pool.acquire() as conn:
            key_id, key = await create_key(conn, body.name, body.role)
        return KeyCreated(key_id=key_id, name=body.name, role=body.role, key=key)

    @router.get("", response_model=list[KeyInfo])
    async def list_keys(pool: PoolDep) -> list[KeyInfo]:
        """Lists keys (never the keys themselves)."""
        rows = await pool.fetch("SELECT key_id, name, role, created_at, revoked_at"
                                " FROM access.api_keys ORDER BY created_at")
        return [KeyInfo(**dict(r)) for r in rows]

    @router.delete("/{key_id}", status_code=204)
    async def revoke(key_id: str, pool: PoolDep) -> None:
        """Revokes a key; it stops working within seconds on every replica."""
        done = await pool.fetchval("UPDATE access.api_keys SET revoked_at = now()"
                                   " WHERE key_id = $1 AND revoked_at IS NULL RETURNING key_id", key_id)
        if done is None:
            raise ApiError(404, "not_found", f"no active key {key_id!r}")

    return router
