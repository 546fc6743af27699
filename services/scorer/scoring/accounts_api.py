"""GET /v1/funnel/accounts: the account view of the funnel: accounts engaged, sales-ready, routed and won in a
window, and the accounts heating up (the largest rise of decayed engagement), with the personas covered.

Served by the scorer, which owns the scoring engine the rise is computed with; it reads
`router.assignments` and `router.lead_outcomes` (read only) as reporting views may.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.agreement.deps import AgreementDep
from services.scorer.scoring.account_heat import WEEK, heating_accounts
from services.shared.account_counts import ACCOUNT_COUNTS
from services.shared.auth import READERS
from services.shared.deps import NowDep, PoolDep
from services.shared.errors import ApiError, error_responses

Since = Annotated[datetime | None, Query(description="Inclusive; default a week before until")]
Until = Annotated[datetime | None, Query(description="Exclusive; default now")]


class HeatingAccount(BaseModel):
    account_key: str
    rise: float = Field(description="Decayed engagement at the window's end minus at its start")
    engagement: float = Field(
        description="Its contacts' decayed engagement at the window's end, summed, plus its intent share")
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
            heating = [] if agreement is None else [
                HeatingAccount(**asdict(h))
                for h in await heating_accounts(conn, agreement.document, agreement.version, start, end, top)]
        return AccountsReport(since=start, until=end, agreement_version=agreement.version if agreement else None,
                              engaged=engaged, sales_ready=ready, routed=routed, won=won, heating_up=heating)

    return router
