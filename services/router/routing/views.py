"""Read-only SQL of routing's own views: a lead's timeline after its handoff and the overflow queue."""

from typing import cast

import asyncpg

# Every step of a lead, oldest first: assignments with their decision, overflow, SLA timers that
# fired, CRM activities. `ord` orders steps of one instant.
_TIMELINE = (
    "SELECT routed_at AS at, 1 AS ord, 'assigned' AS kind, rep_id, decision FROM router.assignments"
    " WHERE lead_key = $1"
    " UNION ALL SELECT queued_at, 1, 'overflow', NULL, decision FROM router.overflow WHERE lead_key = $1"
    # A breach and the reassignment it causes share an instant: the breach comes first.
    " UNION ALL SELECT t.fired_at, 0, CASE t.kind WHEN 'warning' THEN 'sla_warning' ELSE 'sla_breached' END,"
    "  a.rep_id, jsonb_build_object('timer', t.kind, 'due_at', t.due_at, 'assignment_id', a.assignment_id)"
    "  FROM router.sla_timers t JOIN router.assignments a USING (assignment_id)"
    "  WHERE a.lead_key = $1 AND t.fired_at IS NOT NULL"
    " UNION ALL SELECT occurred_at, 2, 'crm_' || kind, rep_id, jsonb_build_object('activity_id', activity_id,"
    "  'status', status, 'reason', reason, 'assignment_id', assignment_id)"
    "  FROM router.crm_activities WHERE lead_key = $1"
    " ORDER BY at, ord"
)

class RoutingViews:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def timeline(self, lead_key: str) -> list[asyncpg.Record]:
        """The lead's steps (at, ord, kind, rep_id, decision), oldest first; empty if it was never handed off."""
        return cast(list[asyncpg.Record], await self._conn.fetch(_TIMELINE, lead_key))

    async def open_overflow(self) -> list[asyncpg.Record]:
        """Leads nobody could take yet, oldest first (at most 500)."""
        return cast(list[asyncpg.Record], await self._conn.fetch(
            "SELECT qualification_id, lead_key, pool_id, tier, queued_at, decision FROM router.overflow"
            " WHERE resolved_at IS NULL ORDER BY queued_at LIMIT 500"))
