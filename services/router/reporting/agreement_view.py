"""Read-only SQL over the scorer's agreement tables: the active version and who approved it."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class Approval:
    role: str
    key_id: str
    key_name: str | None  # the approving key's name, when it is a stored key
    approved_at: datetime


@dataclass(frozen=True)
class ActiveAgreement:
    version: int
    name: str
    activated_at: datetime | None
    activated_by: str | None
    approvals: list[Approval]


async def active_agreement(conn: asyncpg.Connection | asyncpg.Pool) -> ActiveAgreement | None:
    """The active version with its approvals (marketing's and sales'), or None without one."""
    row = await conn.fetchrow(
        "SELECT version, name, activated_at, activated_by FROM scorer.agreements WHERE status = 'active'")
    if row is None:
        return None
    approvals = await conn.fetch(
        "SELECT p.role, p.key_id, k.name AS key_name, p.approved_at FROM scorer.agreement_approvals p"
        " LEFT JOIN access.api_keys k ON k.key_id = p.key_id WHERE p.version = $1 ORDER BY p.role",
        row["version"])
    return ActiveAgreement(**dict(row), approvals=[Approval(**dict(a)) for a in approvals])
