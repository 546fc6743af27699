"""All of the scorer's SQL."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from schemas.messages import EngagementEvent
from services.scorer.config import SCHEMA
from services.scorer.scoring.domain.lifecycle import LeadStage
from services.shared.outbox import OutboxMessage, add_to_outbox


@dataclass(frozen=True)
class LeadTouch:
    """What one batch says about one lead."""

    lead_key: str
    email: str | None
    source: str
    first_at: datetime
    last_at: datetime
    attributes: dict[str, Any]


def summarize_leads(events: Sequence[EngagementEvent], keys: Mapping[str, str]) -> list[LeadTouch]:
    """Folds a batch into one row per lead, so the upsert touches each lead once."""
    by_key: dict[str, LeadTouch] = {}
    for e in events:
        d = e.data
        key = keys[e.dedupe_key]
        prev = by_key.get(key)
        if prev is None:
            by_key[key] = LeadTouch(key, d.email and d.email.lower(), d.source, d.occurred_at,
                                    d.occurred_at, dict(d.attributes))
        else:
            by_key[key] = LeadTouch(
                key, prev.email or (d.email and d.email.lower()), prev.source,
                min(prev.first_at, d.occurred_at), max(prev.last_at, d.occurred_at),
                {**prev.attributes, **d.attributes},
            )
    return list(by_key.values())


@dataclass(frozen=True)
class Recorded:
    """What storing a batch changed: the event keys stored for the first time, the leads created."""

    fresh: set[str]
    created: set[str]


class ScorerRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def record_engagements(self, events: Sequence[EngagementEvent], keys: Mapping[str, str]) -> Recorded:
        """Stores the raw events under their resolved lead keys and creates or refreshes the leads
        (one statement: the two tables have nothing to wait on each other for); says which events
        were new and which leads were created."""
        leads = summarize_leads(events, keys)
        rows = await self._conn.fetch(
            "WITH stored AS (INSERT INTO scorer.engagement_events"
            " (event_key, lead_key, source, activity, campaign, occurred_at, payload)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
            " $6::timestamptz[], $7::jsonb[]) ON CONFLICT DO NOTHING RETURNING event_key),"
            " upserted AS (INSERT INTO scorer.leads (lead_key, email, source, lifecycle, attributes,"
            " first_seen_at, last_engaged_at)"
            " SELECT k, e, s, 'engaged', a, f, l FROM unnest($8::text[], $9::text[], $10::text[],"
            " $11::jsonb[], $12::timestamptz[], $13::timestamptz[]) AS t(k, e, s, a, f, l)"
            " ON CONFLICT (lead_key) DO UPDATE SET"
            "  email = coalesce(scorer.leads.email, excluded.email),"
            "  attributes = scorer.leads.attributes || excluded.attributes,"
            "  first_seen_at = least(scorer.leads.first_seen_at, excluded.first_seen_at),"
            "  last_engaged_at = greatest(scorer.leads.last_engaged_at, excluded.last_engaged_at),"
            "  lifecycle = CASE WHEN scorer.leads.lifecycle = 'new' THEN 'engaged'"
            "              ELSE scorer.leads.lifecycle END,"
            "  updated_at = now() RETURNING lead_key, (xmax = 0) AS created)"
            " SELECT true, event_key FROM stored UNION ALL SELECT false, lead_key FROM upserted WHERE created",
            [e.dedupe_key for e in events],
            [keys[e.dedupe_key] for e in events],
            [e.data.source for e in events],
            [e.data.activity for e in events],
            [e.data.campaign for e in events],
            [e.data.occurred_at for e in events],
            [e.data.model_dump(mode="json") for e in events],
            [lead.lead_key for lead in leads],
            [lead.email for lead in leads],
            [lead.source for lead in leads],
            [lead.attributes for lead in leads],
            [lead.first_at for lead in leads],
            [lead.last_at for lead in leads],
        )
        return Recorded(fresh={r[1] for r in rows if r[0]}, created={r[1] for r in rows if not r[0]})

    async def stages(self, keys: Sequence[str]) -> dict[str, LeadStage]:
        """The lifecycle columns of the known leads among `keys`, locked until commit."""
        rows = await self._conn.fetch(
            "SELECT lead_key, lifecycle, qualified_at, recycled_at, recycle_count, engagement_since,"
            " requalify_after FROM scorer.leads WHERE lead_key = ANY($1::text[])"
            " ORDER BY lead_key FOR UPDATE",  # sorted: two replicas' follow-up batches never deadlock
            list(keys),
        )
        return {r["lead_key"]: LeadStage(**dict(r)) for r in rows}

    async def save_stages(self, stages: Sequence[LeadStage]) -> None:
        """Writes the lifecycle columns; a lead no longer qualified loses its qualification too."""
        await self._conn.execute(
            "UPDATE scorer.leads AS l SET lifecycle = s.lc, qualified_at = s.q,"
            " qualification_id = CASE WHEN s.q IS NULL THEN NULL ELSE l.qualification_id END,"
            " qualified_version = CASE WHEN s.q IS NULL THEN NULL ELSE l.qualified_version END,"
            " recycled_at = s.r, recycle_count = s.n, engagement_since = s.since, requalify_after = s.after,"
            " updated_at = now()"
            " FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[],"
            " $6::timestamptz[], $7::timestamptz[]) AS s(k, lc, q, r, n, since, after)"
            " WHERE l.lead_key = s.k",
            [s.lead_key for s in stages],
            [s.lifecycle for s in stages],
            [s.qualified_at for s in stages],
            [s.recycled_at for s in stages],
            [s.recycle_count for s in stages],
            [s.engagement_since for s in stages],
            [s.requalify_after for s in stages],
        )

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None:
        await add_to_outbox(self._conn, SCHEMA, messages)
