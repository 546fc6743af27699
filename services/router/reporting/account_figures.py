"""The dashboard's account view: accounts engaged, sales-ready, routed and won in the window, the
sales-ready ones with the personas covered and the rep working them, and the accounts heating up this
week. Reads the scorer's account tables (read only, as the funnel reads `scorer.leads`). The rise of
decayed engagement needs the scoring engine, so the scorer keeps this week's in `scorer.account_heat`
(refreshed every minute by default; any other window is the scorer's `GET /v1/funnel/accounts`)."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.shared.account_counts import ACCOUNT_COUNTS
from services.shared.account_heat import HeatingAccount, read_snapshot

LISTED = 10

_READY = (
    "SELECT q.account_key, q.qualified_at,"
    " coalesce(array_agg(DISTINCT m.persona) FILTER (WHERE m.persona IS NOT NULL), '{}'),"
    " count(DISTINCT m.lead_key),"
    " (SELECT a.rep_id FROM router.assignments a WHERE a.lead_key = 'account:' || q.account_key"
    "  ORDER BY a.routed_at DESC LIMIT 1)"
    " FROM scorer.account_qualifications q LEFT JOIN scorer.account_members m ON m.account_key = q.account_key"
    "  AND m.agreement_version = q.agreement_version AND NOT m.disqualified"
    " WHERE q.qualified_at >= $1 AND q.qualified_at < $2"
    " GROUP BY q.account_key, q.qualified_at ORDER BY q.qualified_at DESC, q.account_key LIMIT $3")


@dataclass(frozen=True)
class ReadyAccount:
    account_key: str
    qualified_at: datetime
    personas: tuple[str, ...]
    contacts: int
    rep_id: str | None  # who works it, once routed


@dataclass(frozen=True)
class AccountsPanel:
    engaged: int
    sales_ready: int
    routed: int
    won: int
    ready: tuple[ReadyAccount, ...]
    heating: tuple[HeatingAccount, ...] = ()  # the week to heat_as_of's
    heat_since: datetime | None = None
    heat_as_of: datetime | None = None  # when the scorer last computed them; None: not yet


async def accounts_panel(pool: asyncpg.Pool, since: datetime, until: datetime) -> AccountsPanel:
    """The account view of [since, until)."""
    async with pool.acquire() as conn:
        engaged, ready, routed, won = await conn.fetchrow(ACCOUNT_COUNTS, since, until)
        rows = await conn.fetch(_READY, since, until, LISTED)
        heat = await read_snapshot(conn)
    return AccountsPanel(engaged, ready, routed, won,
                         tuple(ReadyAccount(r[0], r[1], tuple(sorted(r[2])), r[3], r[4]) for r in rows),
                         heat.accounts[:LISTED] if heat else (), heat.since if heat else None,
                         heat.until if heat else None)
