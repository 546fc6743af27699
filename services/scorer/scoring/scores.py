"""SQL for scoring: identities, lead profiles with their engine state, history for rebuilds, account
sums and scores."""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from services.scorer.scoring.domain.intent import Signal
from services.scorer.scoring.intent import IntentRepository


@dataclass(frozen=True)
class LeadRow:
    lead_key: str
    email: str | None
    attributes: dict[str, Any]
    lifecycle: str
    qualified_at: datetime | None
    account_key: str | None
    last_engaged_at: datetime  # the lead's latest event time: what it is scored at
    engagement_since: datetime | None = None  # set by a recycle that reset engagement
    requalify_after: datetime | None = None  # set by a recycle: the end of its cooldown
    score_state: dict[str, Any] | None = None  # the engine's LeadState, as JSON
    score_state_version: int | None = None  # the agreement version it was built under
    score_state_since: datetime | None = None  # the engagement_since it was built under


_LEAD_COLUMNS = ", ".join(LeadRow.__dataclass_fields__)  # in field order: rows are read positionally


@dataclass(frozen=True)
class AccountRow:
    """An account's forward-decayed engagement over its contacts, and how many contacts it has."""

    account_key: str
    agreement_version: int | None  # None: no state stored yet
    landmark_us: int | None
    total: float
    contacts: int  # leads stored with this account key: 0, or 1 for "some" (it is not counted)


@dataclass(frozen=True)
class AccountChange:
    """Adds `delta` (a sum at `landmark_us`) to an account, or with `replace`, sets it."""

    account_key: str
    landmark_us: int | None
    delta: float
    replace: bool = False


@dataclass(frozen=True)
class TouchRow:
    lead_key: str
    event_key: str
    activity: str
    occurred_at: datetime
    url: str | None
    form: str | None
    campaign: str | None
    source: str


@dataclass(frozen=True)
class QualificationMark:
    lead_key: str
    qualification_id: str
    qualified_at: datetime
    agreement_version: int


@dataclass(frozen=True)
class ScoreRow:
    lead_key: str
    agreement_version: int
    fit: float
    engagement: float
    account_engagement: float
    disqualified: str | None
    sales_ready: bool
    tier: str | None
    reason: str | None
    explanation: list[dict[str, Any]]
    mismatches: list[str]
    scored_at: datetime
    account_key: str | None
    lifecycle: str
    state: dict[str, Any] | None = None  # the engine state to keep, as JSON
    state_since: datetime | None = None


class ScoresRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def intent_signals(self, accounts: Collection[str]) -> dict[str, list[Signal]]:
        """Every stored intent signal of each account."""
        return await IntentRepository(self._conn).signals(accounts)

    async def known_identities(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """(source, external id) -> lead key, for the pairs already linked."""
        pairs = list(pairs)
        if not pairs:
            return {}  # events with an email: the usual case needs no round trip
        rows = await self._conn.fetch(
            "SELECT i.source, i.external_id, i.lead_key FROM scorer.identities i"
            " JOIN unnest($1::text[], $2::text[]) AS p(s, x) ON i.source = p.s AND i.external_id = p.x",
            [p[0] for p in pairs], [p[1] for p in pairs],
        )
        return {(r["source"], r["external_id"]): r["lead_key"] for r in rows}

    async def link_identity(self, source: str, external_id: str, lead_key: str) -> str | None:
        """Links a tool id to a lead key; returns the key it pointed at before, if another."""
        previous = await self._conn.fetchval(
            "SELECT lead_key FROM scorer.identities WHERE source = $1 AND external_id = $2",
            source, external_id,
        )
        await self._conn.execute(
            "INSERT INTO scorer.identities (source, external_id, lead_key) VALUES ($1, $2, $3)"
            " ON CONFLICT (source, external_id) DO UPDATE SET lead_key = excluded.lead_key,"
            " linked_at = now()",
            source, external_id, lead_key,
        )
        anonymous = f"{source}:{external_id}"
        return previous if previous and previous != lead_key else anonymous

    async def merge_lead(self, old_key: str, new_key: str) -> bool:
        """Moves the history and fields of `old_key` onto `new_key`; False if there was nothing."""
        old = await self._conn.fetchrow(
            "DELETE FROM scorer.leads WHERE lead_key = $1 RETURNING *", old_key)
        if old is None:
            return False
        await self._conn.execute(
            "UPDATE scorer.engagement_events SET lead_key = $2 WHERE lead_key = $1", old_key, new_key)
        await self._conn.execute(
            "UPDATE scorer.identities SET lead_key = $2 WHERE lead_key = $1", old_key, new_key)
        await self._conn.execute("DELETE FROM scorer.lead_scores WHERE lead_key = $1", old_key)
        # The email's lead exists already (this batch created it); the older fields fill its gaps.
        await self._conn.execute(
            "UPDATE scorer.leads SET attributes = $2::jsonb || attributes,"
            " first_seen_at = least(first_seen_at, $3) WHERE lead_key = $1",
            new_key, old["attributes"], old["first_seen_at"],
        )
        return True

    async def leads(self, keys: Sequence[str]) -> dict[str, LeadRow]:
        rows = await self._conn.fetch(
            f"SELECT {_LEAD_COLUMNS} FROM scorer.leads WHERE lead_key = ANY($1::text[])"
            " ORDER BY lead_key FOR UPDATE", list(keys))
        return {r[0]: LeadRow(*r) for r in rows}  # columns in LeadRow's field order

    async def history(self, since: Mapping[str, datetime | None]) -> dict[str, list[TouchRow]]:
        """Each lead's stored engagement after its cut (all of it without one), in time order: what
        a rebuild replays."""
        if not since:
            return {}
        rows = await self._conn.fetch(
            "SELECT k.lead_key, e.event_key, e.activity, e.occurred_at, e.url, e.form, e.campaign, e.source"
            " FROM unnest($1::text[], $2::timestamptz[]) AS k(lead_key, since)"
            " CROSS JOIN LATERAL (SELECT x.event_key, x.activity, x.occurred_at, x.payload->>'url' AS url,"
            "  x.payload->>'form' AS form, x.campaign, x.source FROM scorer.engagement_events x"
            "  WHERE x.lead_key = k.lead_key AND (k.since IS NULL OR x.occurred_at > k.since)"
            "  OFFSET 0) AS e"  # not flattened into a join: it stays a per-lead index range
            " ORDER BY e.occurred_at, e.event_key",
            list(since), list(since.values()),
        )
        out: dict[str, list[TouchRow]] = {}
        for r in rows:  # columns in TouchRow's field order; positional is several times cheaper
            out.setdefault(r[0], []).append(TouchRow(*r))
        return out

    async def accounts(self, keys: Collection[str]) -> dict[str, AccountRow]:
        """The stored state of each account, and whether it has contacts (0 and no state when unknown)."""
        if not keys:
            return {}
        rows = await self._conn.fetch(
            "SELECT k.account_key, a.agreement_version, a.landmark_us, coalesce(a.total, 0),"
            # Whether it has contacts, only where no sums are stored: a count would grow with the account.
            " CASE WHEN a.account_key IS NOT NULL THEN 1 ELSE (SELECT count(*) FROM (SELECT FROM scorer.leads l"
            "  WHERE l.account_key = k.account_key LIMIT 1) AS x) END"
            " FROM unnest($1::text[]) AS k(account_key)"
            # Each through the primary key, kept from being flattened (OFFSET 0): as a join, a batch's
            # accounts were hash-joined with a sequential scan of every account (8 ms at 50,000).
            " LEFT JOIN LATERAL (SELECT s.account_key, s.agreement_version, s.landmark_us, s.total"
            "  FROM scorer.account_states s WHERE s.account_key = k.account_key OFFSET 0) AS a ON true",
            sorted(keys),
        )
        return {r[0]: AccountRow(r[0], r[1], r[2], float(r[3]), int(r[4])) for r in rows}

    async def contacts(self, account_key: str) -> dict[str, LeadRow]:
        """Every lead stored with this account key, locked (an account rebuild rescores them all)."""
        rows = await self._conn.fetch(
            f"SELECT {_LEAD_COLUMNS} FROM scorer.leads WHERE account_key = $1 ORDER BY lead_key FOR UPDATE",
            account_key)
        return {r[0]: LeadRow(*r) for r in rows}

    async def change_accounts(self, version: int, half_life_days: float | None,
                              changes: Sequence[AccountChange]) -> None:
        """Applies the batch's account changes in one statement, in key order (no two batches deadlock):
        a delta is re-expressed at the row's landmark, in SQL, so concurrent batches add up."""
        if not changes:
            return
        ordered = sorted(changes, key=lambda c: c.account_key)
        added = [c for c in ordered if not c.replace]
        half_life_us = half_life_days * 86_400_000_000 if half_life_days else None
        if added:
            await self._conn.execute(
                "INSERT INTO scorer.account_states AS a (account_key, agreement_version, landmark_us, total)"
                " SELECT k, $4, l, d FROM unnest($1::text[], $2::bigint[], $3::float8[])"
                "  WITH ORDINALITY AS u(k, l, d, n) ORDER BY n"
                " ON CONFLICT (account_key) DO UPDATE SET updated_at = now(), agreement_version = $4,"
                "  landmark_us = coalesce(a.landmark_us, excluded.landmark_us),"
                "  total = CASE WHEN a.landmark_us IS NULL OR a.agreement_version <> $4 THEN excluded.total"
                "   WHEN $5::float8 IS NULL OR excluded.landmark_us IS NULL THEN a.total + excluded.total"
                "   ELSE a.total + excluded.total * power(2, (excluded.landmark_us - a.landmark_us) / $5::float8)"
                " END",
                [c.account_key for c in added], [c.landmark_us for c in added], [c.delta for c in added],
                version, half_life_us,
            )
        replaced = [c for c in ordered if c.replace]
        if replaced:
            await self._conn.execute(
                "INSERT INTO scorer.account_states AS a (account_key, agreement_version, landmark_us, total)"
                " SELECT * FROM (SELECT k, $4::int, l, d FROM unnest($1::text[], $2::bigint[], $3::float8[])"
                "  AS u(k, l, d) ORDER BY k) AS v"
                " ON CONFLICT (account_key) DO UPDATE SET agreement_version = $4, landmark_us = excluded.landmark_us,"
                "  total = excluded.total, updated_at = now()",
                [c.account_key for c in replaced], [c.landmark_us for c in replaced], [c.delta for c in replaced],
                version,
            )

    async def save_states(self, version: int, states: Mapping[str, tuple[dict[str, Any], datetime | None]]) -> None:
        """Keeps the engine state of leads rebuilt without being rescored (the contacts of a rebuilt account)."""
        if not states:
            return
        await self._conn.execute(
            "UPDATE scorer.leads l SET score_state = u.st::jsonb, score_state_version = $3,"
            " score_state_since = u.since FROM unnest($1::text[], $2::text[], $4::timestamptz[]) AS u(k, st, since)"
            " WHERE l.lead_key = u.k",
            list(states), [orjson.dumps(st).decode() for st, _ in states.values()], version,
            [since for _, since in states.values()])

    async def save_scores(self, scores: Sequence[ScoreRow], marks: Sequence[QualificationMark] = ()) -> None:
        """Upserts the scores and writes each lead's account, lifecycle and, for the leads in
        `marks`, its new qualification; one statement, so one round trip per batch."""
        if not scores:
            return
        cols = list(ScoreRow.__dataclass_fields__)
        values = {c: [getattr(s, c) for s in scores] for c in cols}
        states = [orjson.dumps(s.state).decode() if s.state is not None else None for s in scores]
        # JSON arrays travel as text: asyncpg would read a list as another array dimension.
        for c in ("explanation", "mismatches"):
            values[c] = [orjson.dumps(v).decode() for v in values[c]]
        by_lead = {m.lead_key: m for m in marks}
        qualified = [by_lead.get(k) for k in values["lead_key"]]
        await self._conn.execute(
            "WITH saved AS (INSERT INTO scorer.lead_scores (lead_key, agreement_version, fit, engagement,"
            " account_engagement, disqualified, sales_ready, tier, reason, explanation, mismatches, scored_at)"
            " SELECT k, v, f, e, a, d, r, t, why, x::jsonb, m::jsonb, at"
            " FROM unnest($1::text[], $2::int[], $3::float8[], $4::float8[], $5::float8[],"
            " $6::text[], $7::bool[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])"
            " AS u(k, v, f, e, a, d, r, t, why, x, m, at)"
            " ON CONFLICT (lead_key) DO UPDATE SET agreement_version = excluded.agreement_version,"
            " fit = excluded.fit, engagement = excluded.engagement,"
            " account_engagement = excluded.account_engagement, disqualified = excluded.disqualified,"
            " sales_ready = excluded.sales_ready, tier = excluded.tier, reason = excluded.reason,"
            " explanation = excluded.explanation, mismatches = excluded.mismatches,"
            " scored_at = excluded.scored_at)"
            " UPDATE scorer.leads l SET account_key = u.acct, lifecycle = u.lc, updated_at = now(),"
            "  qualified_at = CASE WHEN u.qid IS NULL THEN l.qualified_at ELSE u.qat END,"
            "  qualification_id = coalesce(u.qid, l.qualification_id),"
            "  qualified_version = CASE WHEN u.qid IS NULL THEN l.qualified_version ELSE u.qv END,"
            "  score_state = u.st::jsonb, score_state_version = u.v, score_state_since = u.since"
            " FROM unnest($1::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[], $17::int[],"
            "  $18::text[], $2::int[], $19::timestamptz[]) AS u(k, acct, lc, qid, qat, qv, st, v, since)"
            " WHERE l.lead_key = u.k",
            *[values[c] for c in cols[:12]], values["account_key"], values["lifecycle"],
            [m and m.qualification_id for m in qualified], [m and m.qualified_at for m in qualified],
            [m and m.agreement_version for m in qualified], states, values["state_since"],
        )

    async def score(self, lead_key: str) -> asyncpg.Record | None:
        return await self._conn.fetchrow(
            "SELECT s.*, l.lifecycle, l.qualified_at, l.qualified_version, l.account_key, l.recycled_at,"
            " l.recycle_count, l.requalify_after"
            " FROM scorer.lead_scores s JOIN scorer.leads l USING (lead_key) WHERE s.lead_key = $1",
            lead_key,
        )
