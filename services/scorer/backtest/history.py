"""SQL for backtests: stored engagement streamed in time order, lead profiles, known CRM outcomes."""

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import asyncpg

from services.scorer.scoring.domain.intent import Signal
from services.scorer.scoring.domain.scoring import LeadProfile, Touch

CHUNK = 5_000  # rows per cursor fetch: what the stream holds at once
_LOOKUP = 10_000  # keys per `= ANY($1)` lookup

# The engine's order: event time, then event key compared as Python compares str (code points), which
# is what the "C" collation's byte order gives for UTF-8; the database's own collation might not.
_STREAM = (
    "SELECT lead_key, event_key, activity, occurred_at, payload->>'url', payload->>'form', campaign, source"
    " FROM scorer.engagement_events WHERE occurred_at < $1 ORDER BY occurred_at, event_key COLLATE \"C\""
)


class HistoryRepository:
    """Reads for one backtest; `stream` needs the connection inside a transaction (a server-side cursor)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def count(self, until: datetime) -> int:
        """How many stored events `stream` will give."""
        return int(await self._conn.fetchval(
            "SELECT count(*) FROM scorer.engagement_events WHERE occurred_at < $1", until))

    async def stream(self, until: datetime, chunk: int = CHUNK) -> AsyncIterator[list[tuple[str, Touch, str]]]:
        """Every stored event before `until`, all leads together in the engine's order, `chunk` at a time."""
        cursor = await self._conn.cursor(_STREAM, until)
        while rows := await cursor.fetch(chunk):
            # Columns by position, in Touch's order; the activity as stored (a custom kind too). Plain
            # tuples, StoredTouch's fields: a NamedTuple's own constructor costs a Python call per row.
            yield [(r[0], Touch(r[1], r[2], r[3], r[4], r[5], r[6]), r[7]) for r in rows]

    async def intent(self, until: datetime) -> dict[str, list[Signal]]:
        """Every account's intent signals observed before `until` (a few per account and week)."""
        out: dict[str, list[Signal]] = {}
        rows = await self._conn.fetch("SELECT account_key, signal_key, topic, strength, observed_at"
                                      " FROM scorer.intent_signals WHERE observed_at < $1", until)
        for r in rows:
            out.setdefault(r[0], []).append(Signal(r[1], r[2], float(r[3]), r[4]))
        return out

    async def profiles(self, keys: Sequence[str]) -> dict[str, LeadProfile]:
        """The stored profile (email and merged attributes) of each lead that has one."""
        out: dict[str, LeadProfile] = {}
        for i in range(0, len(keys), _LOOKUP):
            rows = await self._conn.fetch(
                "SELECT lead_key, email, attributes FROM scorer.leads WHERE lead_key = ANY($1::text[])",
                list(keys[i:i + _LOOKUP]))
            out.update({r[0]: LeadProfile(email=r[1], attributes=r[2]) for r in rows})
        return out

    async def outcomes(self, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """lead key -> (status, reason) where the CRM has told the router how the lead ended."""
        out: dict[str, tuple[str, str | None]] = {}
        for i in range(0, len(keys), _LOOKUP):
            rows = await self._conn.fetch(
                "SELECT lead_key, status, reason FROM router.lead_outcomes WHERE lead_key = ANY($1::text[])",
                list(keys[i:i + _LOOKUP]))
            out.update({r[0]: (r[1], r[2]) for r in rows})
        return out
