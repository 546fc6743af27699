"""The accounts heating up: the largest rises of decayed account engagement (its contacts' own, summed,
plus its intent share) over a window, with the personas its engaged contacts cover.

The account view (`GET /v1/funnel/accounts`) computes them for any window. `AccountHeatJob` keeps this
week's in `scorer.account_heat` for the router's dashboard, which may not run the scoring engine: a
snapshot, replaced whole, by one scorer replica at a time.
"""

import asyncio
from datetime import datetime, timedelta

import asyncpg

from services.agreement.active import CurrentAgreement
from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.accounts import engagement_rise
from services.scorer.scoring.domain.intent import Signal
from services.scorer.scoring.domain.scoring import Touch
from services.shared.account_heat import HeatingAccount, store_snapshot
from services.shared.jobs import PeriodicJob
from services.shared.state import Clock

WEEK = timedelta(days=7)
CANDIDATES = 200  # the accounts with the most activity in the window, among which the rise is computed
LISTED = 10  # the snapshot's length

_CANDIDATES = (
    "SELECT account_key FROM ("
    "  SELECT l.account_key, count(*) AS n FROM scorer.engagement_events e JOIN scorer.leads l USING (lead_key)"
    "   WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND l.account_key IS NOT NULL GROUP BY l.account_key"
    "  UNION ALL SELECT account_key, count(*) FROM scorer.intent_signals"
    "   WHERE observed_at >= $1 AND observed_at < $2 GROUP BY account_key) activity"
    " GROUP BY account_key ORDER BY sum(n) DESC, account_key LIMIT $3")
_TOUCHES = (
    "SELECT l.account_key, e.lead_key, e.event_key, e.activity, e.occurred_at, e.payload->>'url', e.payload->>'form',"
    " e.campaign FROM scorer.engagement_events e JOIN scorer.leads l USING (lead_key)"
    " WHERE l.account_key = ANY($1::text[]) AND e.occurred_at < $2")
_SIGNALS = (
    "SELECT account_key, signal_key, topic, strength, observed_at FROM scorer.intent_signals"
    " WHERE account_key = ANY($1::text[]) AND observed_at < $2")
_PERSONAS = (
    "SELECT account_key, coalesce(array_agg(DISTINCT persona) FILTER (WHERE persona IS NOT NULL AND NOT disqualified),"
    " '{}') FROM scorer.account_members WHERE account_key = ANY($1::text[]) AND agreement_version = $2"
    " GROUP BY account_key")
# One replica refreshes at a time; the others skip that turn rather than wait.
_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('scorer.account_heat'))"


async def heating_accounts(conn: asyncpg.Connection, doc: AgreementDocument, version: int, start: datetime,
                           end: datetime, top: int) -> list[HeatingAccount]:
    """The `top` accounts whose decayed engagement rose the most from `start` to `end`, largest first;
    only rises above zero."""
    keys = [r[0] for r in await conn.fetch(_CANDIDATES, start, end, CANDIDATES)]
    if not keys:
        return []
    contacts: dict[str, dict[str, list[Touch]]] = {key: {} for key in keys}
    for r in await conn.fetch(_TOUCHES, keys, end):
        contacts[r[0]].setdefault(r[1], []).append(Touch(r[2], r[3], r[4], r[5], r[6], r[7]))
    signals: dict[str, list[Signal]] = {}
    if doc.intent.rules:
        for r in await conn.fetch(_SIGNALS, keys, end):
            signals.setdefault(r[0], []).append(Signal(r[1], r[2], float(r[3]), r[4]))
    personas = {r[0]: tuple(sorted(r[1])) for r in await conn.fetch(_PERSONAS, keys, version)}
    # Replaying 200 accounts' histories twice takes tens of milliseconds on the demo's week and grows
    # with history: in a thread, the event loop keeps serving ingest and the consumers meanwhile.
    return await asyncio.to_thread(_ranked, doc, contacts, signals, personas, start, end, top)


def _ranked(doc: AgreementDocument, contacts: dict[str, dict[str, list[Touch]]], signals: dict[str, list[Signal]],
            personas: dict[str, tuple[str, ...]], start: datetime, end: datetime, top: int) -> list[HeatingAccount]:
    rows = []
    for key, by_lead in contacts.items():
        now, rise = engagement_rise(doc, by_lead, start, end, signals.get(key, ()))
        if rise > 0:
            rows.append(HeatingAccount(key, rise, now, len(by_lead), personas.get(key, ())))
    rows.sort(key=lambda h: (-h.rise, h.account_key))
    return rows[:top]


class AccountHeatJob:
    """Refreshes this week's accounts heating up every `every_s` (and once at start)."""

    def __init__(self, pool: asyncpg.Pool, agreement: CurrentAgreement, clock: Clock, every_s: float) -> None:
        self._pool = pool
        self._agreement = agreement
        self._clock = clock
        self._job = PeriodicJob("account heat", self._step, every_s)
        self.name = "account-heat"

    def stop(self) -> None:
        self._job.stop()

    async def run(self) -> None:
        await self._job.run()

    async def refresh(self, now: datetime) -> list[HeatingAccount] | None:
        """This week's snapshot at `now`; None when another replica holds the refresh."""
        async with self._pool.acquire() as conn:
            return await self.refresh_on(conn, now)

    async def refresh_on(self, conn: asyncpg.Connection, now: datetime) -> list[HeatingAccount] | None:
        active = self._agreement()
        async with conn.transaction():
            if not await conn.fetchval(_LOCK):
                return None
            start = now - WEEK
            rows = [] if active is None else await heating_accounts(
                conn, active.document, active.version, start, now, LISTED)
            await store_snapshot(conn, rows, start, now, active.version if active else None)
            return rows

    async def _step(self) -> bool:
        await self.refresh(self._clock())
        return False
