"""Read-only SQL of the split funnel: the scorer's leads first seen in a window, followed to now.

Reads across schemas (DESIGN §1: reporting views may): scorer.leads and scorer.engagement_events
for the marketing half, router.assignments and router.crm_activities for the handoff and sales.
"""

from datetime import datetime
from typing import cast

import asyncpg

from services.router.reporting.domain.funnel import SEGMENT_BANDS, STAGE_NAMES, UNKNOWN_SEGMENT


def _segment_sql() -> str:
    # Built from the domain's constant bands, never from the request.
    employees = ("CASE WHEN c.attributes->>'employees' ~ '^\\s*[0-9]{1,12}(\\.[0-9]+)?\\s*$'"
                 " THEN (c.attributes->>'employees')::numeric END")
    arms = " ".join(f"WHEN {employees} >= {low}" + (f" AND {employees} < {high}" if high is not None else "")
                    + f" THEN '{label}'" for label, low, high in SEGMENT_BANDS)
    return f"CASE {arms} ELSE '{UNKNOWN_SEGMENT}' END"


# Group expressions, chosen from this fixed map: the lead's first source, the campaign of its first
# engagement that named one, its company size band.
GROUP_COLUMNS: dict[str, str] = {
    "source": "c.source",
    "campaign": "(SELECT e.campaign FROM scorer.engagement_events e WHERE e.lead_key = c.lead_key"
                " AND e.campaign IS NOT NULL ORDER BY e.occurred_at, e.event_key LIMIT 1)",
    "segment": _segment_sql(),
}

# When each cohort lead first reached each stage (NULL: not yet). Sales-ready is the earliest
# qualification the scorer still holds or the router was handed (a recycle clears the scorer's).
_STAGES = (
    "WITH stages AS ("
    " SELECT {group} AS key, c.first_seen_at AS engaged,"
    "  least(c.qualified_at, a.qualified_at) AS sales_ready, a.routed AS routed, a.touched AS touched,"
    "  o.accepted AS accepted, o.converted AS converted, o.won AS won"
    " FROM scorer.leads c"
    " LEFT JOIN LATERAL (SELECT min(coalesce((x.qualification->>'qualified_at')::timestamptz, x.routed_at))"
    "   AS qualified_at, min(x.routed_at) FILTER (WHERE x.attempt = 1) AS routed,"
    "   min(x.first_touched_at) AS touched"
    "  FROM router.assignments x WHERE x.lead_key = c.lead_key) a ON true"
    # Converted, won and lost imply accepted; won and lost imply converted (DESIGN §4 lifecycle).
    " LEFT JOIN LATERAL (SELECT"
    "   min(y.occurred_at) FILTER (WHERE y.status IN ('accepted', 'converted', 'won', 'lost')) AS accepted,"
    "   min(y.occurred_at) FILTER (WHERE y.status IN ('converted', 'won', 'lost')) AS converted,"
    "   min(y.occurred_at) FILTER (WHERE y.status = 'won') AS won"
    "  FROM router.crm_activities y"
    "  WHERE y.lead_key = c.lead_key AND y.kind = 'status' AND y.assignment_id IS NOT NULL) o ON true"
    " WHERE c.first_seen_at >= $1 AND c.first_seen_at < $2)"
)


def _median_minutes(stage: str, after: str) -> str:
    # Wall-clock time; an activity reported before the routing counts as 0, not as negative time.
    return (f"percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM {after} - {stage})))"
            f" FILTER (WHERE {after} IS NOT NULL) / 60 AS {stage}_minutes")


class FunnelReports:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def stages(self, group_by: str, since: datetime, until: datetime) -> list[asyncpg.Record]:
        """Per group of the leads first seen in [since, until), then the totals (`total` true): each
        stage's count (`<stage>`) and median minutes to the next stage (`<stage>_minutes`)."""
        counts = ", ".join(f"count({s}) AS {s}" for s in STAGE_NAMES)
        medians = ", ".join(_median_minutes(s, after) for s, after in zip(STAGE_NAMES, STAGE_NAMES[1:]))
        return cast(list[asyncpg.Record], await self._conn.fetch(
            _STAGES.format(group=GROUP_COLUMNS[group_by])
            + f" SELECT key, grouping(key) = 1 AS total, {counts}, {medians} FROM stages"
            " GROUP BY GROUPING SETS ((key), ()) ORDER BY grouping(key), key NULLS LAST",
            since, until))
