"""Why a lead went where it went: preview, timeline and the overflow queue."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, EmailStr, Field

from schemas.bounds import JsonObject, Strict
from services.agreement.deps import AgreementDep
from services.router.config import RouterSettingsDep
from services.router.routing.deciding import decide_for
from services.router.routing.domain.routing import LeadFacts
from services.router.routing.state import RoutingStateRepository
from services.router.routing.views import RoutingViews
from services.shared.auth import READERS, require_role
from services.shared.deps import PoolDep
from services.shared.errors import ApiError, error_responses


class HypotheticalLead(Strict):
    """A lead as routing sees it; nothing is stored."""

    email: EmailStr | None = None
    attributes: JsonObject = Field(default_factory=dict)
    tier: str | None = None
    source: str | None = None
    campaign: str | None = None
    fit_score: float | None = None
    engagement_score: float | None = None
    at: datetime | None = Field(default=None, description="When; default now (working hours, leave)")
    qualified_at: AwareDatetime | None = Field(default=None, description="When it was qualified: optional skill"
                                          " needs wait from then; default `at`")


class Preview(BaseModel):
    rep_id: str | None
    rule: str
    pool_id: str | None
    rules_version: int | None
    decision: dict[str, Any]


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    rep_id: str | None = None
    detail: dict[str, Any]


def routing_router() -> APIRouter:
    router = APIRouter(tags=["routing"], responses=error_responses(401, 403, 404, 422))

    @router.post("/v1/routing/preview", response_model=Preview, dependencies=[Depends(READERS)])
    async def preview(lead: HypotheticalLead, pool: PoolDep, settings: RouterSettingsDep,
                      agreement: AgreementDep) -> Preview:
        """Who would get this lead now, and why; assigns nothing."""
        at = lead.at or datetime.now(UTC)
        if at.tzinfo is None:
            raise ApiError(422, "invalid", "at needs a UTC offset")
        facts = LeadFacts(lead_key=(lead.email or "preview").lower(), email=lead.email, attributes=lead.attributes,
                          tier=lead.tier, source=lead.source, campaign=lead.campaign, fit_score=lead.fit_score,
                          engagement_score=lead.engagement_score, qualified_at=lead.qualified_at)
        async with pool.acquire() as conn:
            decision, version = await decide_for(
                RoutingStateRepository(conn), facts, at,
                default_pool=settings.default_pool, lock=False,
                key_accounts=agreement.document.key_accounts if agreement else None)
        return Preview(rep_id=decision.rep_id, rule=decision.rule, pool_id=decision.pool_id,
                       rules_version=version, decision=decision.explain())

    @router.get("/v1/leads/{lead_key}/timeline", response_model=list[TimelineEntry], dependencies=[Depends(READERS)])
    async def timeline(lead_key: str, pool: PoolDep) -> list[TimelineEntry]:
        """Every step of a lead after its handoff, oldest first: assignments with their decision,
        overflow, SLA timers that fired, CRM activities."""
        rows = await RoutingViews(pool).timeline(lead_key.strip().lower())
        if not rows:
            raise ApiError(404, "not_found", f"no routing history for lead {lead_key!r}")
        return [TimelineEntry(at=r["at"], kind=r["kind"], rep_id=r["rep_id"], detail=r["decision"]) for r in rows]

    @router.get("/v1/overflow", dependencies=[Depends(require_role("sales", "ops"))])
    async def overflow(pool: PoolDep) -> list[dict[str, Any]]:
        """Leads nobody could take yet, oldest first, with why."""
        return [dict(r) for r in await RoutingViews(pool).open_overflow()]

    return router
