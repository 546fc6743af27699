"""Response models of the revenue report."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class RevenueGroup(BaseModel):
    group: str | None = Field(description="The source, campaign, segment or rep; null for leads without one and "
                                           "for the totals")
    rank: int | None = Field(description="1 is the best (see rules.ranked_by); null for the totals")
    too_few_to_judge: bool = Field(description="Fewer sales-ready leads than rules.min_sales_ready")
    leads: int = Field(description="Leads first seen in the window")
    sales_ready: int
    routed: int
    opportunities: int = Field(description="Reached converted (won and lost imply it)")
    pipeline_amount: Decimal = Field(description="Sum of the opportunities' deal values (the latest amount on a "
                                                 "converted or won report), open, won or lost")
    won: int
    won_amount: Decimal = Field(description="Sum of the won deals' amounts (the won report's, else the deal's)")
    win_rate_pct: float | None = Field(description="Won of opportunities, in percent")
    average_deal: Decimal | None = Field(description="Won amount over the won deals that carry an amount")
    cost: Decimal | None = Field(description="Campaign spend inside the window; null when costs do not split by "
                                             "this grouping (segment, rep: see the totals)")
    cost_per_sales_ready: Decimal | None
    cost_per_won: Decimal | None
    return_on_spend: Decimal | None = Field(description="Won amount per unit of cost")
    unconverted_amounts: int = Field(description="Deal amounts left out: their currency has no rate")


class RevenueRules(BaseModel):
    ranked_by: str
    min_sales_ready: int = Field(description="A group with fewer sales-ready leads is too few to judge")
    costs: str = Field(description="How spend is attributed to the window and the groups")


class RevenueReport(BaseModel):
    group_by: Literal["source", "campaign", "segment", "rep"]
    since: datetime
    until: datetime
    currency: str = Field(description="Every amount is in this currency (HANDOFF_REPORTING_CURRENCY), to cents")
    rules: RevenueRules
    groups: list[RevenueGroup]
    totals: RevenueGroup
