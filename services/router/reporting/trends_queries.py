"""Read-only SQL of the weekly trends: decisions, on-time touches and money per local week.

Sales-ready volume per week is the commitments report's (SlaReports.sales_ready_by_week).
"""

from datetime import date, datetime
from decimal import Decimal

import asyncpg

from services.router.reporting.sla_queries import FIRST_DECISIONS

_WEEK = "(date_trunc('week', {at} AT TIME ZONE $3))::date"


def _value(alias: str) -> str:
    # As the revenue report converts: the reporting currency ($4) as it is, another times its rate.
    return (f"{alias}.amount * CASE WHEN {alias}.currency = $4 THEN 1 ELSE (SELECT r.rate FROM"
            f" router.currency_rates r WHERE r.currency = {alias}.currency) END")


# Per lead: when its opportunity opened and when it was won (first reports), its deal and win values.
_DEALS = (
    "WITH deals AS ("
    " SELECT o.opened_at, o.won_at, " + _value("d") + " AS deal_value,"
    "  coalesce(" + _value("w") + ", " + _value("d") + ") AS won_value"
    " FROM (SELECT y.lead_key, min(y.occurred_at) FILTER (WHERE y.status IN ('converted', 'won', 'lost'))"
    "   AS opened_at, min(y.occurred_at) FILTER (WHERE y.status = 'won') AS won_at"
    "  FROM router.crm_activities y WHERE y.kind = 'status' AND y.assignment_id IS NOT NULL"
    "  AND y.status IN ('converted', 'won', 'lost') GROUP BY y.lead_key) o"
    " LEFT JOIN LATERAL (SELECT y.amount, y.currency FROM router.crm_activities y"
    "  WHERE y.lead_key = o.lead_key AND y.amount IS NOT NULL AND y.assignment_id IS NOT NULL"
    "  ORDER BY y.occurred_at DESC, y.recorded_at DESC LIMIT 1) d ON true"
    " LEFT JOIN LATERAL (SELECT y.amount, y.currency FROM router.crm_activities y"
    "  WHERE y.lead_key = o.lead_key AND y.status = 'won' AND y.amount IS NOT NULL AND y.assignment_id IS NOT NULL"
    "  ORDER BY y.occurred_at DESC, y.recorded_at DESC LIMIT 1) w ON true"
    " WHERE (o.opened_at >= $1 AND o.opened_at < $2) OR (o.won_at >= $1 AND o.won_at < $2))"
)


class TrendReports:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def decisions_by_week(self, since: datetime, until: datetime, zone: str) -> dict[date, tuple[int, int]]:
        """(accepted, rejected) first decisions made in [since, until), by local week."""
        rows = await self._conn.fetch(
            FIRST_DECISIONS + f" SELECT {_WEEK.format(at='decided_at')} AS week,"
            " count(*) FILTER (WHERE NOT rejected) AS accepted, count(*) FILTER (WHERE rejected) AS rejected"
            " FROM decided WHERE decided_at >= $1 AND decided_at < $2 GROUP BY 1", since, until, zone)
        return {r["week"]: (r["accepted"], r["rejected"]) for r in rows}

    async def touches_by_week(self, since: datetime, until: datetime, zone: str) -> dict[date, tuple[int, int]]:
        """(touched, touched on time) of the assignments routed in [since, until), by local week of routing."""
        rows = await self._conn.fetch(
            f"SELECT {_WEEK.format(at='routed_at')} AS week, count(first_touched_at) AS touched,"
            " count(*) FILTER (WHERE first_touched_at IS NOT NULL AND touched_on_time) AS on_time"
            " FROM router.assignments WHERE routed_at >= $1 AND routed_at < $2 GROUP BY 1", since, until, zone)
        return {r["week"]: (r["touched"], r["on_time"]) for r in rows}

    async def money_by_week(self, since: datetime, until: datetime, zone: str,
                            currency: str) -> dict[date, tuple[int, Decimal, int, Decimal]]:
        """(opportunities opened, their pipeline, deals won, won amount), by the local week each happened."""
        rows = await self._conn.fetch(
            _DEALS + " SELECT week, sum(opened) AS opened, sum(pipeline) AS pipeline, sum(won) AS won,"
            " sum(won_amount) AS won_amount FROM ("
            f"  SELECT {_WEEK.format(at='opened_at')} AS week, 1 AS opened, coalesce(deal_value, 0) AS pipeline,"
            "   0 AS won, 0 AS won_amount FROM deals WHERE opened_at >= $1 AND opened_at < $2"
            f"  UNION ALL SELECT {_WEEK.format(at='won_at')}, 0, 0, 1, coalesce(won_value, 0) FROM deals"
            "   WHERE won_at >= $1 AND won_at < $2) per GROUP BY week", since, until, zone, currency)
        return {r["week"]: (r["opened"], r["pipeline"], r["won"], r["won_amount"]) for r in rows}
