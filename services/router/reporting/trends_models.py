"""Response models of the weekly trends."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class TrendWeekOut(BaseModel):
    week_start: date = Field(description="Monday, in the agreement calendar's time zone")
    starts_at: datetime
    complete: bool = Field(description="The whole week lies before until (false: the week in progress)")
    sales_ready: int = Field(description="Qualifications handed to sales that week, once each")
    commitment: int | None = Field(description="The agreement's sales_ready_per_week")
    commitment_met: bool | None
    accepted: int = Field(description="First decisions that week that accepted")
    rejected: int
    acceptance_rate: float | None = Field(description="accepted / (accepted + rejected), four decimals")
    min_acceptance_rate: float | None
    acceptance_met: bool | None
    touched: int = Field(description="Assignments routed that week and touched (by now)")
    touched_on_time: int
    on_time_share: float | None = Field(description="touched_on_time / touched, four decimals")
    opportunities: int = Field(description="Opportunities opened that week (first converted, won or lost report)")
    pipeline_amount: Decimal = Field(description="Their deal values, in the reporting currency")
    won: int = Field(description="Deals won that week (first won report)")
    won_amount: Decimal


class TrendsReport(BaseModel):
    since: datetime
    until: datetime
    time_zone: str
    currency: str
    agreement_version: int | None
    weeks: list[TrendWeekOut]
