"""Read-only SQL of the SLA reports over router.assignments and router.overflow."""

from datetime import date, datetime
from typing import cast

import asyncpg

# Column expressions by group; chosen from this fixed map, never taken from the request.
GROUP_COLUMNS: dict[str, str] = {"rep": "a.rep_id", "team": "r.team", "tier": "a.tier"}

# The first outcome per qualification: converted, won and lost imply it was accepted first.
FIRST_DECISIONS = (
    "WITH decided AS ("
    " SELECT DISTINCT ON (qualification_id) qualification_id, qualification,"
    "  first_outcome = 'rejected' AS rejected, first_outcome_reason AS outcome_reason,"
    "  first_outcome_at AS decided_at"
    " FROM router.assignments"
    " WHERE first_outcome IS NOT NULL"
    " ORDER BY qualification_id, first_outcome_at, attempt)"
)


class SlaReports:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def summary(self, group_by: str, since: datetime, until: datetime) -> list[asyncpg.Record]:
        """One row per group of assignments routed in [since, until), then the totals (`total` true)."""
        column = GROUP_COLUMNS[group_by]
        return cast(list[asyncpg.Record], await self._conn.fetch(
            f"SELECT {column} AS key, grouping({column}) = 1 AS total,"
            " count(*) AS assigned,"
            " count(a.first_touched_at) AS touched,"
            " count(*) FILTER (WHERE a.first_touched_at IS NOT NULL AND a.touched_on_time) AS touched_on_time,"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY a.first_touch_minutes) AS median_minutes,"
            " percentile_cont(0.9) WITHIN GROUP (ORDER BY a.first_touch_minutes) AS p90_minutes,"
            " count(*) FILTER (WHERE a.status = 'open' AND a.first_touched_at IS NULL) AS open,"
            " count(a.breached_at) AS breached,"
            " count(*) FILTER (WHERE a.status = 'reassigned') AS reassigned,"
            " count(*) FILTER (WHERE a.status = 'unworked') AS unworked"
            " FROM router.assignments a JOIN router.reps r ON r.rep_id = a.rep_id"
            " WHERE a.routed_at >= $1 AND a.routed_at < $2"
            f" GROUP BY GROUPING SETS (({column}), ())"
            f" ORDER BY grouping({column}), {column} NULLS LAST",
            since, until))

    async def due_soon(self, group_by: str, since: datetime, until: datetime,
                       due_by: datetime) -> dict[str | None, int]:
        """Per group, assignments routed in [since, until) still open, untouched and unbreached whose
        first touch is due before `due_by` (an overdue one whose breach has not fired yet included)."""
        column = GROUP_COLUMNS[group_by]
        rows = await self._conn.fetch(
            f"SELECT {column} AS key, count(*) AS n"
            " FROM router.assignments a JOIN router.reps r ON r.rep_id = a.rep_id"
            " WHERE a.routed_at >= $1 AND a.routed_at < $2 AND a.status = 'open'"
            " AND a.first_touched_at IS NULL AND a.breached_at IS NULL AND a.first_touch_due_at < $3"
            f" GROUP BY {column}",
            since, until, due_by)
        return {r["key"]: r["n"] for r in rows}

    async def reps(self, rep_ids: list[str]) -> dict[str, asyncpg.Record]:
        """Name, team and unavailability of the given reps, by id."""
        rows = await self._conn.fetch(
            "SELECT rep_id, name, team, unavailable_since FROM router.reps WHERE rep_id = ANY($1::text[])", rep_ids)
        return {r["rep_id"]: r for r in rows}

    async def skills_relaxed(self, group_by: str, since: datetime, until: datetime) -> dict[str | None, int]:
        """Per group, assignments routed in [since, until) whose decision relaxed an optional skill need."""
        column = GROUP_COLUMNS[group_by]
        rows = await self._conn.fetch(
            f"SELECT {column} AS key, count(*) AS n"
            " FROM router.assignments a JOIN router.reps r ON r.rep_id = a.rep_id"
            " WHERE a.routed_at >= $1 AND a.routed_at < $2"
            " AND jsonb_typeof(a.decision->'skills'->'relaxed') = 'array'"
            " AND jsonb_array_length(a.decision->'skills'->'relaxed') > 0"
            f" GROUP BY {column}", since, until)
        return {r["key"]: r["n"] for r in rows}

    async def unavailable_reps(self) -> list[asyncpg.Record]:
        """Every rep the SLA clock set unavailable, longest first."""
        return cast(list[asyncpg.Record], await self._conn.fetch(
            "SELECT rep_id, name, team, unavailable_since AS since, unavailable_reason AS reason FROM router.reps"
            " WHERE unavailable_since IS NOT NULL ORDER BY unavailable_since, rep_id"))

    async def breaches(self, *, open_only: bool, limit: int, rep_id: str | None = None,
                       team: str | None = None) -> list[asyncpg.Record]:
        """Breached assignments, newest breach first; open ones are untouched and open or unworked."""
        return cast(list[asyncpg.Record], await self._conn.fetch(
            "SELECT a.assignment_id, a.lead_key, a.rep_id, r.team, a.escalated_to AS manager_id, a.tier,"
            " a.attempt, a.routed_at, a.first_touch_due_at, a.breached_at, a.status,"
            " a.first_touched_at IS NOT NULL AS touched"
            " FROM router.assignments a JOIN router.reps r ON r.rep_id = a.rep_id"
            " WHERE a.breached_at IS NOT NULL"
            " AND (NOT $1 OR (a.first_touched_at IS NULL AND a.status IN ('open', 'unworked')))"
            " AND ($3::text IS NULL OR a.rep_id = $3) AND ($4::text IS NULL OR r.team = $4)"
            " ORDER BY a.breached_at DESC, a.assignment_id LIMIT $2",
            open_only, limit, rep_id, team))

    async def open_breach_count(self) -> int:
        return cast(int, await self._conn.fetchval(
            "SELECT count(*) FROM router.assignments WHERE breached_at IS NOT NULL"
            " AND first_touched_at IS NULL AND status IN ('open', 'unworked')"))

    async def sales_ready_by_week(self, since: datetime, until: datetime, time_zone: str) -> dict[date, int]:
        """Qualifications handed over in [since, until), counted once at their first hand-over, by local week."""
        # A reassignment that finds nobody parks `<qualification_id>#attempt<n>` in overflow
        # (handlers.reassign): that lead was handed over already, with its first attempt.
        rows = await self._conn.fetch(
            "SELECT (date_trunc('week', at AT TIME ZONE $3))::date AS week, count(*) AS n FROM ("
            " SELECT a.routed_at AS at FROM router.assignments a"
            "  WHERE a.attempt = 1 AND a.routed_at >= $1 AND a.routed_at < $2"
            "  AND NOT EXISTS (SELECT 1 FROM router.overflow o"
            "   WHERE o.qualification_id = a.qualification_id AND o.queued_at < a.routed_at)"
            " UNION ALL"
            " SELECT o.queued_at FROM router.overflow o"
            "  WHERE o.queued_at >= $1 AND o.queued_at < $2"
            "  AND NOT EXISTS (SELECT 1 FROM router.assignments a"
            "   WHERE a.qualification_id = split_part(o.qualification_id, '#attempt', 1)"
            "   AND a.attempt = 1 AND a.routed_at <= o.queued_at)"
            ") handed GROUP BY 1",
            since, until, time_zone)
        return {r["week"]: r["n"] for r in rows}

    async def decisions(self, since: datetime, until: datetime) -> tuple[int, int]:
        """(accepted, rejected) over each qualification's first decision made in [since, until)."""
        row = await self._conn.fetchrow(
            FIRST_DECISIONS + " SELECT count(*) FILTER (WHERE NOT rejected) AS accepted,"
            " count(*) FILTER (WHERE rejected) AS rejected"
            " FROM decided WHERE decided_at >= $1 AND decided_at < $2",
            since, until)
        return row["accepted"], row["rejected"]

    async def rejection_reasons(self, since: datetime, until: datetime) -> list[asyncpg.Record]:
        """First decisions that rejected, counted by reason, source and campaign; most frequent first."""
        return cast(list[asyncpg.Record], await self._conn.fetch(
            FIRST_DECISIONS + " SELECT outcome_reason AS reason, qualification->>'source' AS source,"
            " qualification->>'campaign' AS campaign, count(*) AS count"
            " FROM decided WHERE rejected AND decided_at >= $1 AND decided_at < $2"
            " GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1 NULLS LAST, 2 NULLS LAST, 3 NULLS LAST",
            since, until))
