"""SQL for backtests: stored engagement history and known CRM outcomes."""

import re
from datetime import datetime, timedelta

import asyncpg

from services.scorer.backtest.domain.replay import LeadHistory, history_from_rows
from services.scorer.scoring.domain.scoring import LeadProfile
from services.scorer.scoring.scores import ScoresRepository

_SINCE = re.compile(r"^(\d+)([dhw])$")


def parse_since(text: str, now: datetime) -> datetime:
    """`30d`, `12h`, `2w` or an ISO timestamp -> the instant it names."""
    m = _SINCE.match(text.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        unit_name = {"d": "days", "h": "hours", "w": "weeks"}[unit]
        return now - timedelta(**{unit_name: n})
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("a timestamp needs a UTC offset")
    return value


class HistoryRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lead_keys_between(self, since: datetime, until: datetime) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT lead_key FROM scorer.engagement_events"
            " WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY 1", since, until)
        return [r["lead_key"] for r in rows]

    async def histories(self, keys: list[str], horizon: timedelta, until: datetime) -> list[LeadHistory]:
        """Each lead's profile and stored touches before `until`, ready to replay."""
        scores = ScoresRepository(self._conn)
        rows = await self._conn.fetch(
            "SELECT lead_key, email, attributes FROM scorer.leads WHERE lead_key = ANY($1::text[])", keys)
        touches = await scores.touches(keys, horizon)
        return [history_from_rows(r["lead_key"], LeadProfile(email=r["email"], attributes=r["attributes"]),
                                  [t for t in touches.get(r["lead_key"], []) if t.occurred_at < until])
                for r in rows]

    async def outcomes(self, keys: list[str]) -> dict[str, tuple[str, str | None]]:
        """lead key -> (status, reason) where the CRM has told the router how the lead ended."""
        rows = await self._conn.fetch(
            "SELECT lead_key, status, reason FROM router.lead_outcomes WHERE lead_key = ANY($1::text[])", keys)
        return {r["lead_key"]: (r["status"], r["reason"]) for r in rows}
