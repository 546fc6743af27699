"""Intent signals: stored per account by their consumer, read per account when its leads are scored."""

from collections.abc import Collection, Sequence

import asyncpg

from schemas.messages import IntentEvent
from services.agreement.domains import registrable_domain
from services.scorer.scoring.domain.intent import Signal


def intent_account(domain: str) -> str:
    """The account a signal's domain names: its registrable domain, as leads are grouped (acme.co.uk)."""
    return registrable_domain(domain) or domain.strip().lower()


class IntentRepository:
    """All of intent's SQL."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record(self, events: Sequence[IntentEvent]) -> None:
        """Stores each signal once (a redelivered event is the same signal)."""
        await self._conn.execute(
            "INSERT INTO scorer.intent_signals (signal_key, account_key, topic, strength, provider, observed_at)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::timestamptz[])"
            " ON CONFLICT (signal_key) DO NOTHING",
            [e.dedupe_key for e in events], [intent_account(e.data.account) for e in events],
            [e.data.topic for e in events], [e.data.strength for e in events],
            [e.data.provider for e in events], [e.data.observed_at for e in events])

    async def signals(self, accounts: Collection[str]) -> dict[str, list[Signal]]:
        """Every stored signal of each account."""
        if not accounts:
            return {}
        rows = await self._conn.fetch(
            "SELECT account_key, signal_key, topic, strength, observed_at FROM scorer.intent_signals"
            " WHERE account_key = ANY($1::text[])", sorted(accounts))
        out: dict[str, list[Signal]] = {}
        for r in rows:
            out.setdefault(r[0], []).append(Signal(r[1], r[2], float(r[3]), r[4]))
        return out


async def intent_recorded(conn: asyncpg.Connection, events: Sequence[IntentEvent]) -> None:
    """The intent consumer's batch: the signals stored; the account's leads count them when next scored."""
    await IntentRepository(conn).record(events)
