"""SQL for agreement versions, approvals and history."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import asyncpg

from services.agreement.active import ACTIVATED_CHANNEL


@dataclass(frozen=True)
class AgreementRow:
    version: int
    name: str
    status: str
    document: dict[str, Any]
    source_format: str
    source_text: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None
    activated_by: str | None
    approvals: dict[str, str]  # role -> key id


_SELECT = (
    "SELECT a.*, coalesce((SELECT jsonb_object_agg(p.role, p.key_id) FROM scorer.agreement_approvals p"
    " WHERE p.version = a.version), '{}'::jsonb) AS approvals FROM scorer.agreements a"
)


def _row(record: asyncpg.Record | None) -> AgreementRow | None:
    return _agreement(record) if record else None


def _agreement(record: asyncpg.Record) -> AgreementRow:
    return AgreementRow(**dict(record))


class AgreementRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, version: int, *, lock: bool = False) -> AgreementRow | None:
        if lock:  # serialise approvals and activation of one version
            await self._conn.execute("SELECT 1 FROM scorer.agreements WHERE version = $1 FOR UPDATE", version)
        return _row(await self._conn.fetchrow(f"{_SELECT} WHERE a.version = $1", version))

    async def active(self) -> AgreementRow | None:
        return _row(await self._conn.fetchrow(f"{_SELECT} WHERE a.status = 'active'"))

    async def all_versions(self) -> list[AgreementRow]:
        return [_agreement(r) for r in await self._conn.fetch(f"{_SELECT} ORDER BY a.version")]

    async def create(self, name: str, document: dict[str, Any], fmt: str, text: str, key_id: str) -> int:
        return cast(int, await self._conn.fetchval(
            "INSERT INTO scorer.agreements (name, document, source_format, source_text, created_by)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING version",
            name, document, fmt, text, key_id,
        ))

    async def replace_draft(self, version: int, name: str, document: dict[str, Any], fmt: str, text: str) -> int:
        """Replaces a draft's document and drops its approvals; returns how many were dropped."""
        await self._conn.execute(
            "UPDATE scorer.agreements SET name = $2, document = $3, source_format = $4,"
            " source_text = $5, updated_at = now() WHERE version = $1",
            version, name, document, fmt, text,
        )
        dropped = await self._conn.fetch(
            "DELETE FROM scorer.agreement_approvals WHERE version = $1 RETURNING role", version
        )
        return len(dropped)

    async def approve(self, version: int, role: str, key_id: str) -> None:
        await self._conn.execute(
            "INSERT INTO scorer.agreement_approvals (version, role, key_id) VALUES ($1, $2, $3)",
            version, role, key_id,
        )

    async def activate(self, version: int, key_id: str) -> int | None:
        """Retires the active version, activates `version`; returns the retired version."""
        retired = cast(int | None, await self._conn.fetchval(
            "UPDATE scorer.agreements SET status = 'retired' WHERE status = 'active' RETURNING version"
        ))
        await self._conn.execute(
            "UPDATE scorer.agreements SET status = 'active', activated_at = now(), activated_by = $2"
            " WHERE version = $1",
            version, key_id,
        )
        await self._conn.execute("SELECT pg_notify($1, $2)", ACTIVATED_CHANNEL, str(version))
        return retired

    async def record(self, version: int, action: str, key_id: str, role: str,
                     detail: dict[str, Any] | None = None) -> None:
        await self._conn.execute(
            "INSERT INTO scorer.agreement_history (version, action, key_id, role, detail)"
            " VALUES ($1, $2, $3, $4, $5)",
            version, action, key_id, role, detail or {},
        )

    async def history(self, version: int) -> list[asyncpg.Record]:
        return cast(list[asyncpg.Record], await self._conn.fetch(
            "SELECT action, key_id, role, at, detail FROM scorer.agreement_history"
            " WHERE version = $1 ORDER BY id", version,
        ))
