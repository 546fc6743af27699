"""SQL for scoring: identities, lead profiles, touch history, account sums and scores."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson


@dataclass(frozen=True)
class LeadRow:
    lead_key: str
    email: str | None
    attributes: dict[str, Any]
    lifecycle: str
    qualified_at: datetime | None
    account_key: str | None
    engagement_since: datetime | None = None  # set by a recycle that reset engagement
    requalify_after: datetime | None = None  # set by a recycle: the end of its cooldown


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


class ScoresRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

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
            "SELECT lead_key, email, attributes, lifecycle, qualified_at, account_key, engagement_since,"
            " requalify_after FROM scorer.leads WHERE lead_key = ANY($1::text[]) FOR UPDATE", list(keys))
        return {r[0]: LeadRow(*r) for r in rows}  # columns in LeadRow's field order

    async def touches(self, keys: Sequence[str], horizon: timedelta) -> dict[str, list[TouchRow]]:
        """Each lead's stored engagement within `horizon` of its latest event."""
        rows = await self._conn.fetch(
            # Both reads per lead through the (lead_key, occurred_at) index, whatever the statistics
            # say: as a join, the events of a fresh, fast-growing table were read by one sequential
            # scan per batch, and a join's cost grows with the whole history.
            "SELECT k.lead_key, e.event_key, e.activity, e.occurred_at, e.url, e.form, e.campaign, e.source"
            " FROM unnest($1::text[]) AS k(lead_key)"
            " CROSS JOIN LATERAL (SELECT max(m.occurred_at) AS at FROM scorer.engagement_events m"
            "  WHERE m.lead_key = k.lead_key) AS l"
            " CROSS JOIN LATERAL (SELECT x.event_key, x.activity, x.occurred_at, x.payload->>'url' AS url,"
            "  x.payload->>'form' AS form, x.campaign, x.source FROM scorer.engagement_events x"
            "  WHERE x.lead_key = k.lead_key AND x.occurred_at > l.at - $2::interval"
            "  OFFSET 0) AS e"  # not flattened into a join: it stays a per-lead index range
            " ORDER BY e.occurred_at, e.event_key",
            list(keys), horizon,
        )
        out: dict[str, list[TouchRow]] = {}
        for r in rows:  # columns in TouchRow's field order; positional is several times cheaper
            out.setdefault(r[0], []).append(TouchRow(*r))
        return out

    async def account_engagement(self, accounts: dict[str, str]) -> dict[str, float]:
        """lead key -> summed engagement of the *other* contacts of its account."""
        if not accounts:
            return {}
        rows = await self._conn.fetch(
            # Per lead through the account_key index: as one join, a batch of 500 leads was planned as a
            # hash join over every lead (15-27 ms at 50,000 leads) from a misestimated account size.
            "SELECT p.k AS lead_key, coalesce((SELECT sum(s.engagement) FROM scorer.leads l"
            "  JOIN scorer.lead_scores s ON s.lead_key = l.lead_key"
            "  WHERE l.account_key = p.acct AND l.lead_key <> p.k), 0) AS total"
            " FROM unnest($1::text[], $2::text[]) AS p(k, acct)",
            list(accounts), list(accounts.values()),
        )
        return {r["lead_key"]: float(r["total"]) for r in rows}

    async def save_scores(self, scores: Sequence[ScoreRow], marks: Sequence[QualificationMark] = ()) -> None:
        """Upserts the scores and writes each lead's account, lifecycle and, for the leads in
        `marks`, its new qualification; one statement, so one round trip per batch."""
        if not scores:
            return
        cols = list(ScoreRow.__dataclass_fields__)
        values = {c: [getattr(s, c) for s in scores] for c in cols}
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
            "  qualified_version = CASE WHEN u.qid IS NULL THEN l.qualified_version ELSE u.qv END"
            " FROM unnest($1::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[], $17::int[])"
            "  AS u(k, acct, lc, qid, qat, qv) WHERE l.lead_key = u.k",
            *[values[c] for c in cols[:12]], values["account_key"], values["lifecycle"],
            [m and m.qualification_id for m in qualified], [m and m.qualified_at for m in qualified],
            [m and m.agreement_version for m in qualified],
        )

    async def score(self, lead_key: str) -> asyncpg.Record | None:
        return await self._conn.fetchrow(
            "SELECT s.*, l.lifecycle, l.qualified_at, l.qualified_version, l.account_key, l.recycled_at,"
            " l.recycle_count, l.requalify_after"
            " FROM scorer.lead_scores s JOIN scorer.leads l USING (lead_key) WHERE s.lead_key = $1",
            lead_key,
        )
