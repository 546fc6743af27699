"""SQL for suggestions: the jobs table, and the scorer's own knowledge of outcomes (scorer.leads.lifecycle,
kept in step with the follow-up events the scorer consumes)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import asyncpg

from services.scorer.scoring.domain.scoring import LeadProfile, Touch
from services.scorer.suggestions.domain.guards import OutcomeCounts

STALE_AFTER = timedelta(minutes=1)
MAX_UNFINISHED = 1  # suggestion jobs queued or running at once, over all scorers; more is 429
SuggestionStatus = Literal["queued", "running", "done", "refused", "failed"]
_UNFINISHED = ["queued", "running"]
_COLUMNS = ("job_id, status, since, until, params, requested_by, pid, host, step, percent, draft_version, report,"
            " error, created_at, started_at, heartbeat_at, finished_at")
# Known outcomes: won (1); lost, or rejected by sales and recycled to nurture (0).
_KNOWN = "lifecycle IN ('won', 'lost', 'recycled')"
_WINDOW = "first_seen_at >= $1 AND first_seen_at < $2"


@dataclass(frozen=True)
class SuggestionJobRow:
    job_id: uuid.UUID
    status: SuggestionStatus
    since: datetime
    until: datetime
    params: dict[str, Any]
    requested_by: str
    pid: int | None
    host: str | None
    step: str | None
    percent: float
    draft_version: int | None
    report: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime
    finished_at: datetime | None


class SuggestionJobRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock(self) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('scorer.suggestion_jobs'))")

    async def unfinished(self) -> int:
        return int(await self._conn.fetchval(
            "SELECT count(*) FROM scorer.suggestion_jobs WHERE status = ANY($1::text[])"
            " AND heartbeat_at > now() - $2::interval", _UNFINISHED, STALE_AFTER))

    async def create(self, since: datetime, until: datetime, params: dict[str, Any], who: str) -> SuggestionJobRow:
        row = await self._conn.fetchrow(
            "INSERT INTO scorer.suggestion_jobs (job_id, since, until, params, requested_by)"
            f" VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}", uuid.uuid4(), since, until, params, who)
        return SuggestionJobRow(*row)

    async def get(self, job_id: uuid.UUID) -> SuggestionJobRow | None:
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM scorer.suggestion_jobs WHERE job_id = $1", job_id)
        return SuggestionJobRow(*row) if row else None

    async def latest_done(self) -> SuggestionJobRow | None:
        """The suggestion in force for comparison: the latest that finished."""
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM scorer.suggestion_jobs WHERE status = 'done'"
                                        " ORDER BY finished_at DESC LIMIT 1")
        return SuggestionJobRow(*row) if row else None

    async def latest_factors(self) -> tuple[uuid.UUID, int | None, list[dict[str, Any]]] | None:
        """The latest finished suggestion's model factors (job, draft version, factors)."""
        row = await self._conn.fetchrow(
            "SELECT job_id, draft_version, coalesce(report->'model'->'factors', '[]') FROM scorer.suggestion_jobs"
            " WHERE status = 'done' ORDER BY finished_at DESC LIMIT 1")
        return (row[0], row[1], list(row[2])) if row else None

    async def profile(self, lead_key: str) -> LeadProfile | None:
        row = await self._conn.fetchrow("SELECT email, attributes FROM scorer.leads WHERE lead_key = $1", lead_key)
        return LeadProfile(row[0], row[1]) if row else None

    async def claim(self, job_id: uuid.UUID, pid: int, host: str) -> SuggestionJobRow | None:
        row = await self._conn.fetchrow(
            "UPDATE scorer.suggestion_jobs SET status = 'running', pid = $2, host = $3, started_at = now(),"
            f" heartbeat_at = now() WHERE job_id = $1 AND status = 'queued' RETURNING {_COLUMNS}", job_id, pid, host)
        return SuggestionJobRow(*row) if row else None

    async def progress(self, job_id: uuid.UUID, step: str, percent: float) -> None:
        await self._conn.execute(
            "UPDATE scorer.suggestion_jobs SET step = $2, percent = $3, heartbeat_at = now()"
            " WHERE job_id = $1 AND status = 'running'", job_id, step, percent)

    async def heartbeat(self, job_id: uuid.UUID) -> None:
        await self._conn.execute(
            "UPDATE scorer.suggestion_jobs SET heartbeat_at = now() WHERE job_id = $1 AND status = 'running'", job_id)

    async def finish(self, job_id: uuid.UUID, draft_version: int, report: dict[str, Any]) -> None:
        await self._conn.execute(
            "UPDATE scorer.suggestion_jobs SET status = 'done', draft_version = $2, report = $3, percent = 100,"
            " step = 'done', finished_at = now(), heartbeat_at = now() WHERE job_id = $1", job_id, draft_version,
            report)

    async def end(self, job_id: uuid.UUID, status: Literal["refused", "failed"], error: dict[str, Any], *,
                  stale: bool = False) -> bool:
        """Ends an unfinished job refused or failed (with `stale`, only if its heartbeat is old)."""
        result = await self._conn.execute(
            "UPDATE scorer.suggestion_jobs SET status = $2, error = $3, finished_at = now()"
            " WHERE job_id = $1 AND status = ANY($4::text[]) AND (NOT $5 OR heartbeat_at <= now() - $6::interval)",
            job_id, status, error, _UNFINISHED, stale, STALE_AFTER)
        return str(result) != "UPDATE 0"


@dataclass(frozen=True)
class KnownOutcome:
    lead_key: str
    profile: LeadProfile
    seen_at: datetime
    won: bool
    cutoff: datetime | None  # the handoff (qualified, else recycled): engagement after it is not learned from


@dataclass(frozen=True)
class WindowRow:
    lead_key: str
    profile: LeadProfile
    activities: frozenset[str]
    engagement: float
    seen_at: datetime


class OutcomeRepository:
    """Reads for one suggestion; call inside one read-only transaction for one snapshot."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def counts(self, since: datetime, until: datetime) -> OutcomeCounts:
        """Outcomes known in the window, and per attribute how many won and not-won leads carry it."""
        won, not_won = await self._conn.fetchrow(
            f"SELECT count(*) FILTER (WHERE lifecycle = 'won'), count(*) FILTER (WHERE lifecycle <> 'won')"
            f" FROM scorer.leads WHERE {_KNOWN} AND {_WINDOW}", since, until)
        rows = await self._conn.fetch(
            "SELECT k, count(*) FILTER (WHERE lifecycle = 'won'), count(*) FILTER (WHERE lifecycle <> 'won')"
            f" FROM scorer.leads, jsonb_object_keys(attributes) AS k WHERE {_KNOWN} AND {_WINDOW}"
            " AND attributes->>k IS NOT NULL AND attributes->>k <> '' GROUP BY k", since, until)
        return OutcomeCounts(int(won), int(not_won), {r[0]: (int(r[1]), int(r[2])) for r in rows})

    async def outcomes(self, since: datetime, until: datetime) -> list[KnownOutcome]:
        rows = await self._conn.fetch(
            "SELECT lead_key, email, attributes, first_seen_at, lifecycle = 'won', coalesce(qualified_at, recycled_at)"
            f" FROM scorer.leads WHERE {_KNOWN} AND {_WINDOW} ORDER BY first_seen_at, lead_key", since, until)
        return [KnownOutcome(r[0], LeadProfile(r[1], r[2]), r[3], bool(r[4]), r[5]) for r in rows]

    async def touches(self, keys: Sequence[str], until: datetime) -> dict[str, list[Touch]]:
        """Each lead's stored touches before `until`."""
        out: dict[str, list[Touch]] = {}
        rows = await self._conn.fetch(
            "SELECT lead_key, event_key, activity, occurred_at, payload->>'url', payload->>'form', campaign"
            " FROM scorer.engagement_events WHERE lead_key = ANY($1::text[]) AND occurred_at < $2",
            list(keys), until)
        for r in rows:
            out.setdefault(r[0], []).append(Touch(r[1], r[2], r[3], r[4], r[5], r[6]))
        return out

    async def window(self, since: datetime, until: datetime) -> list[WindowRow]:
        """Every lead first seen in the window: profile, activities done, latest engagement under the version
        in force (its own plus the account share)."""
        rows = await self._conn.fetch(
            "SELECT l.lead_key, l.email, l.attributes, coalesce(s.engagement + s.account_engagement, 0),"
            " l.first_seen_at,"
            " coalesce((SELECT array_agg(DISTINCT e.activity) FROM scorer.engagement_events e"
            "           WHERE e.lead_key = l.lead_key AND e.occurred_at < $2), '{}')"
            " FROM scorer.leads l LEFT JOIN scorer.lead_scores s USING (lead_key)"
            " WHERE l.first_seen_at >= $1 AND l.first_seen_at < $2 ORDER BY l.lead_key", since, until)
        return [WindowRow(r[0], LeadProfile(r[1], r[2]), frozenset(r[5]), float(r[3]), r[4])
                for r in rows]
