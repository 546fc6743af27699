"""Read-only SQL of the revenue report: the funnel's cohort with its deal amounts, and campaign costs.

Amounts are converted into the reporting currency in the database (numeric, exact) with the rates in
router.currency_rates; an amount whose currency has no rate is left out and counted.
"""

from datetime import date, datetime
from typing import cast

import asyncpg

from services.router.reporting.funnel_queries import GROUP_COLUMNS as FUNNEL_GROUPS

# The funnel's groups, and the rep who holds the lead's latest assignment.
GROUP_COLUMNS: dict[str, str] = {**FUNNEL_GROUPS, "rep": "a.rep_id"}
# Costs split by campaign and by the source each campaign ran on; by segment or rep only the totals.
COST_COLUMNS: dict[str, str] = {"campaign": "k.campaign", "source": "k.source"}


def _value(alias: str) -> str:
    # An amount in the reporting currency ($3) as it is; in another, times its rate; NULL without one.
    return f"{alias}.amount * CASE WHEN {alias}.currency = $3 THEN 1 ELSE (SELECT r.rate FROM" \
           f" router.currency_rates r WHERE r.currency = {alias}.currency) END"


# Per lead of the cohort (first seen in [$1, $2)): the funnel's stages that count for money, its deal
# (the latest amount on a converted or won report) and, once won, the amount of the win (else the deal's).
_COHORT = (
    "WITH cohort AS ("
    " SELECT {group} AS key,"
    "  (c.qualified_at IS NOT NULL OR a.qualified_at IS NOT NULL) AS sales_ready, a.routed IS NOT NULL AS routed,"
    "  coalesce(o.opportunity, false) AS opportunity, coalesce(o.won, false) AS won,"
    "  d.amount IS NOT NULL AS priced, " + _value("d") + " AS deal_value,"
    "  coalesce(" + _value("w") + ", " + _value("d") + ") AS won_value, coalesce(w.amount, d.amount) IS NOT NULL"
    "  AS won_priced"
    " FROM scorer.leads c"
    " LEFT JOIN LATERAL (SELECT min(coalesce((x.qualification->>'qualified_at')::timestamptz, x.routed_at))"
    "   AS qualified_at, min(x.routed_at) FILTER (WHERE x.attempt = 1) AS routed,"
    "   (array_agg(x.rep_id ORDER BY x.routed_at DESC, x.attempt DESC))[1] AS rep_id"
    "  FROM router.assignments x WHERE x.lead_key = c.lead_key) a ON true"
    # As in the funnel: won and lost imply the opportunity was created.
    " LEFT JOIN LATERAL (SELECT bool_or(y.status IN ('converted', 'won', 'lost')) AS opportunity,"
    "   bool_or(y.status = 'won') AS won"
    "  FROM router.crm_activities y"
    "  WHERE y.lead_key = c.lead_key AND y.kind = 'status' AND y.assignment_id IS NOT NULL) o ON true"
    " LEFT JOIN LATERAL (SELECT y.amount, y.currency FROM router.crm_activities y"
    "  WHERE y.lead_key = c.lead_key AND y.amount IS NOT NULL AND y.assignment_id IS NOT NULL"
    "  ORDER BY y.occurred_at DESC, y.recorded_at DESC LIMIT 1) d ON true"
    " LEFT JOIN LATERAL (SELECT y.amount, y.currency FROM router.crm_activities y"
    "  WHERE y.lead_key = c.lead_key AND y.status = 'won' AND y.amount IS NOT NULL AND y.assignment_id IS NOT NULL"
    "  ORDER BY y.occurred_at DESC, y.recorded_at DESC LIMIT 1) w ON true"
    " WHERE c.first_seen_at >= $1 AND c.first_seen_at < $2)"
    " SELECT key, grouping(key) = 1 AS total, count(*) AS leads,"
    "  count(*) FILTER (WHERE sales_ready) AS sales_ready, count(*) FILTER (WHERE routed) AS routed,"
    "  count(*) FILTER (WHERE opportunity) AS opportunities,"
    "  coalesce(sum(deal_value) FILTER (WHERE opportunity), 0) AS pipeline_amount,"
    "  count(*) FILTER (WHERE won) AS won, coalesce(sum(won_value) FILTER (WHERE won), 0) AS won_amount,"
    "  count(*) FILTER (WHERE won AND won_value IS NOT NULL) AS priced_won,"
    "  count(*) FILTER (WHERE opportunity AND priced AND deal_value IS NULL) AS unconverted_amounts"
    " FROM cohort GROUP BY GROUPING SETS ((key), ()) ORDER BY grouping(key), key NULLS LAST"
)

# Each cost period's share inside [$1, $2] (dates, both included): its amount times the share of its days.
_COSTS = (
    "SELECT {key} AS key, {total} AS total, sum(round(k.amount"
    " * CASE WHEN k.currency = $3 THEN 1 ELSE r.rate END"
    " * ((least(k.period_end, $2) - greatest(k.period_start, $1) + 1)::numeric"
    "    / (k.period_end - k.period_start + 1)), 4)) AS cost,"
    " count(*) FILTER (WHERE k.currency <> $3 AND r.rate IS NULL) AS unconverted"
    " FROM router.campaign_costs k LEFT JOIN router.currency_rates r ON r.currency = k.currency"
    " WHERE k.period_start <= $2 AND k.period_end >= $1"
)


class RevenueReports:
    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self._conn = conn

    async def tallies(self, group_by: str, since: datetime, until: datetime, currency: str) -> list[asyncpg.Record]:
        """Per group of the leads first seen in [since, until), then the totals (`total` true)."""
        return cast(list[asyncpg.Record], await self._conn.fetch(
            _COHORT.format(group=GROUP_COLUMNS[group_by]), since, until, currency))

    async def costs(self, group_by: str, first_day: date, last_day: date,
                    currency: str) -> list[asyncpg.Record]:
        """The cost inside [first_day, last_day] per campaign or source (when costs split so), then the total."""
        key = COST_COLUMNS.get(group_by)
        sql = (_COSTS.format(key=key, total=f"grouping({key}) = 1") + f" GROUP BY GROUPING SETS (({key}), ())"
               if key else _COSTS.format(key="NULL::text", total="true"))
        return cast(list[asyncpg.Record], await self._conn.fetch(sql, first_day, last_day, currency))
