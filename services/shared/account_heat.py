"""The accounts heating up this week as one snapshot row (`scorer.account_heat`): the scorer writes it,
the router's dashboard reads it. Its shape and its SQL, in one place for both services, as reporting
views may read the other schema (DESIGN §1)."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class HeatingAccount:
    account_key: str
    rise: float  # decayed engagement at the window's end minus at its start
    engagement: float  # at the window's end
    contacts: int
    personas: tuple[str, ...]


@dataclass(frozen=True)
class HeatSnapshot:
    since: datetime
    until: datetime  # when the scorer computed it
    accounts: tuple[HeatingAccount, ...]  # largest rise first


async def store_snapshot(conn: asyncpg.Connection, rows: Sequence[HeatingAccount], since: datetime,
                         until: datetime, version: int | None) -> None:
    """Replaces the one row."""
    await conn.execute(
        "INSERT INTO scorer.account_heat (since, until, agreement_version, accounts) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (only_row) DO UPDATE SET since = excluded.since, until = excluded.until,"
        " agreement_version = excluded.agreement_version, accounts = excluded.accounts",
        since, until, version, [asdict(h) for h in rows])


async def read_snapshot(conn: asyncpg.Connection) -> HeatSnapshot | None:
    """The last snapshot; None before the scorer's first refresh."""
    row = await conn.fetchrow("SELECT since, until, accounts FROM scorer.account_heat")
    if row is None:
        return None
    return HeatSnapshot(row["since"], row["until"], tuple(
        HeatingAccount(a["account_key"], a["rise"], a["engagement"], a["contacts"], tuple(a["personas"]))
        for a in row["accounts"]))
