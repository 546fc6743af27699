"""GET /v1/funnel/accounts: the account view of the funnel: accounts engaged, sales-ready, routed and won in a
window, and the accounts heating up (the largest rise of decayed engagement), with the personas covered.

Served by the scorer, which owns the scoring engine the rise is computed with; it reads
`router.assignments` and `router.lead_outcomes` (read only) as reporting views may.
"""

from datetime import datetime, timedelta
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.agreement.deps import AgreementDep
from services.scorer.scoring.domain.accounts import engagement_rise
from services.scorer.scoring.domain.scoring import Touch
from services.shared.account_counts import ACCOUNT_COUNTS
from services.shared.auth import READERS
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import ApiError, error_responses

WEEK = timedelta(days=7)
Since = Annotated[datetime | None, Query(description="Inclusive; default a week before until")]
Until = Annotated[datetime | None, Query(description="Exclusive; default now")]
CANDIDATES = 200  # accounts with the most events in the window, among which the rise is computed

_CANDIDATES = (
    "SELECT l.account_key FROM scorer.engagement_events e JOIN scorer.leads l USING (lead_key)"
    " WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND l.account_key IS NOT NULL"
    " GROUP BY l.account_key ORDER BY count(*) DESC, l.account_key LIMIT $3")
_TOUCHES = (
    "SELECT l.account_key, e.lead_key, e.event_key, e.activity, e.occurred_at, e.payload->>'url', e.payload->>'form',"
    " e.campaign FROM scorer.engagement_events e JOIN scorer.leads l USING (lead_key)"
    " WHERE l.account_key = ANY($1::text[]) AND e.occurred_at < $2")
_PERSONAS = (
    "SELECT account_key, coalesce(array_agg(DISTINCT persona) FILTER (WHERE persona IS NOT NULL AND NOT disqualified),"
    " '{}') FROM scorer.account_members WHERE account_key = ANY($1::text[]) AND agreement_version = $2"
    " GROUP BY account_key")


class HeatingAccount(BaseModel):
    account_key: str
    rise: float = Field(description="Decayed engagement at the window's end minus at its start")
    engagement: float = Field(description="Its contacts' decayed engagement at the window's end, summed")
    contacts: int
    personas: list[str] = Field(description="The distinct personas of its engaged contacts")


class AccountsReport(BaseModel):
    since: datetime
    until: datetime
    agreement_version: int | None
    engaged: int = Field(description="Accounts with engagement in the window")
    sales_ready: int = Field(description="Accounts qualified in the window (handoff.account.qualified)")
    routed: int = Field(description="Accounts with a lead routed in the window")
    won: int = Field(description="Accounts with a lead won in the window")
    heating_up: list[HeatingAccount] = Field(description="The largest rises of decayed engagement, largest first")


async def _heating(conn: asyncpg.Connection, agreement: AgreementDep, start: datetime, end: datetime,
                   top: int) -> list[HeatingAccount]:
    if agreement is None:
        return []
    keys = [r[0] for r in await conn.fetch(_CANDIDATES, start, end, CANDIDATES)]
    contacts: dict[str, dict[str, list[Touch]]] = {}
    for r in await conn.fetch(_TOUCHES, keys, end):
        contacts.setdefault(r[0], {}).setdefault(r[1], []).append(Touch(r[2], r[3], r[4], r[5], r[6], r[7]))
    personas = {r[0]: sorted(r[1]) for r in await conn.fetch(_PERSONAS, keys, agreement.version)}
    rows = []
    for key, by_lead in contacts.items():
        now, rise = engagement_rise(agreement.document, by_lead, start, end)
        rows.append(HeatingAccount(account_key=key, rise=rise, engagement=now, contacts=len(by_lead),
                                   personas=personas.get(key, [])))
    rows.sort(key=lambda h: (-h.rise, h.account_key))
    return [h for h in rows if h.rise > 0][:top]


def accounts_router() -> APIRouter:
    router = APIRouter(tags=["accounts"], dependencies=[Depends(READERS)], responses=error_responses(401, 403, 422))

    @router.get("/v1/funnel/accounts", response_model=AccountsReport)
    async def accounts(pool: PoolDep, now: NowDep, agreement: AgreementDep, since: Since = None, until: Until = None,
                       top: Annotated[int, Query(ge=1, le=50)] = 10) -> AccountsReport:
        """The account view: accounts engaged, sales-ready, routed, won, and the ones heating up."""
        end = until or now
        start = since or end - WEEK
        if start.tzinfo is None or end.tzinfo is None:
            raise ApiError(422, "invalid", "since and until need a UTC offset", [])
        if start >= end:
            raise ApiError(422, "invalid", "since must be before until", [])
        async with pool.acquire() as conn:
            engaged, ready, routed, won = await conn.fetchrow(ACCOUNT_COUNTS, start, end)
            heating = await _heating(conn, agreement, start, end, top)
        return AccountsReport(since=start, until=end, agreement_version=agreement.version if agreement else None,
                              engaged=engaged, sales_ready=ready, routed=routed, won=won, heating_up=heating)

    return router
