"""SQL of the money ops keeps: currency rates and campaign costs."""

from collections.abc import Mapping, Sequence
from decimal import Decimal

import asyncpg

from services.router.salesops.money_models import CostIn, CostOut, RateOut

_COST_COLUMNS = "campaign, period_start, period_end, source, amount, currency, updated_at, updated_by"


class MoneyRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def rates(self) -> list[RateOut]:
        rows = await self._conn.fetch(
            "SELECT currency, rate, updated_at, updated_by FROM router.currency_rates ORDER BY currency")
        return [RateOut(**dict(r)) for r in rows]

    async def set_rates(self, rates: Mapping[str, Decimal], key_id: str) -> None:
        """Sets or replaces each given rate; the others stay."""
        await self._conn.execute(
            "INSERT INTO router.currency_rates (currency, rate, updated_by)"
            " SELECT * FROM unnest($1::text[], $2::numeric[], array_fill($3::text, ARRAY[cardinality($1)]))"
            " ON CONFLICT (currency) DO UPDATE SET rate = excluded.rate, updated_at = now(),"
            " updated_by = excluded.updated_by", list(rates), list(rates.values()), key_id)

    async def costs(self, campaigns: Sequence[str] | None = None, *, lock: bool = False) -> list[CostOut]:
        """Stored costs by campaign and period; of the given campaigns only, when named."""
        where = " WHERE campaign = ANY($1::text[])" if campaigns is not None else ""
        rows = await self._conn.fetch(
            f"SELECT {_COST_COLUMNS} FROM router.campaign_costs{where} ORDER BY campaign, period_start"
            + (" FOR UPDATE" if lock else ""), *([list(campaigns)] if campaigns is not None else []))
        return [CostOut(**dict(r)) for r in rows]

    async def write_costs(self, costs: Sequence[CostIn], key_id: str) -> None:
        """Each cost by (campaign, period_start), replacing a stored one."""
        await self._conn.executemany(
            "INSERT INTO router.campaign_costs (campaign, period_start, period_end, source, amount, currency,"
            " updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign, period_start) DO UPDATE SET"
            " period_end = excluded.period_end, source = excluded.source, amount = excluded.amount,"
            " currency = excluded.currency, updated_at = now(), updated_by = excluded.updated_by",
            [(c.campaign, c.period_start, c.period_end, c.source, c.amount, c.currency, key_id) for c in costs])
