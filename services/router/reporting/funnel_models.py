"""Response models of the split funnel."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class FunnelStage(BaseModel):
    stage: Literal["engaged", "sales_ready", "routed", "touched", "accepted", "converted", "won"]
    half: Literal["marketing", "handoff", "sales"] = Field(description="Whose side of the handoff the stage is on")
    count: int = Field(description="Leads of the cohort that reached the stage (by now)")
    conversion_pct: float | None = Field(description="Of the stage before, in percent; null for the first stage "
                                                     "or when the stage before is empty")
    median_minutes_in_stage: float | None = Field(
        description="Median wall-clock minutes from this stage to the next, over the leads that reached the next; "
                    "null for the last stage or when none moved on")


class FunnelGroup(BaseModel):
    group: str | None = Field(description="The source, campaign or segment; null for leads without one and for "
                                           "the totals")
    stages: list[FunnelStage]


class FunnelReport(BaseModel):
    group_by: Literal["source", "campaign", "segment"]
    since: datetime
    until: datetime
    groups: list[FunnelGroup]
    totals: FunnelGroup
