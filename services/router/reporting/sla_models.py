"""Response models of the SLA reports: summary, breaches, marketing's commitments."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class SummaryRow(BaseModel):
    group: str | None = Field(description="The rep id, team or tier; null for reps without a team and for totals")
    assigned: int
    touched: int
    touched_on_time: int
    touched_on_time_pct: float | None = Field(description="Of the touched ones; null when none was touched")
    median_minutes_to_first_touch: float | None = Field(description="Business minutes, routed to first touch")
    p90_minutes_to_first_touch: float | None
    open: int = Field(description="Still open and not touched yet")
    breached: int
    reassigned: int
    unworked: int


class SlaSummary(BaseModel):
    group_by: str
    since: datetime
    until: datetime
    rows: list[SummaryRow]
    totals: SummaryRow


class Breach(BaseModel):
    assignment_id: str
    lead_key: str
    rep_id: str
    team: str | None
    manager_id: str | None = Field(description="The manager the breach was escalated to, if any")
    tier: str
    attempt: int
    routed_at: datetime
    first_touch_due_at: datetime | None
    breached_at: datetime
    status: str
    touched: bool


class WeekVolume(BaseModel):
    week_start: date = Field(description="Monday, in the agreement calendar's time zone")
    starts_at: datetime
    sales_ready: int = Field(description="Qualifications handed to sales (assigned or overflowed), once each")
    commitment: int | None = Field(description="The agreement's sales_ready_per_week; null without an agreement")
    met: bool | None
    complete: bool = Field(description="The whole week lies inside the report window")


class Acceptance(BaseModel):
    accepted: int = Field(description="First decisions that accepted (converted, won, lost imply accepted)")
    rejected: int
    rate: float | None = Field(description="accepted / (accepted + rejected); null when nothing was decided")
    minimum: float | None = Field(description="The agreement's min_acceptance_rate; null without an agreement")
    met: bool | None


class RejectionCount(BaseModel):
    reason: str | None
    source: str | None
    campaign: str | None
    count: int
    listed: bool | None = Field(description="The reason is one of the agreement's; null without an agreement")


class CommitmentsReport(BaseModel):
    since: datetime
    until: datetime
    time_zone: str = Field(description="Weeks start on Monday 00:00 here (UTC without an agreement)")
    agreement_version: int | None
    sales_ready_total: int
    weeks: list[WeekVolume]
    acceptance: Acceptance
    rejection_reasons: list[RejectionCount]


class BoardRow(BaseModel):
    group: str | None = Field(description="The rep id or team; null for reps without a team and for totals")
    name: str | None = Field(description="The rep's name (rep rows only)")
    team: str | None = Field(description="The rep's team (rep rows only)")
    assigned: int
    open: int = Field(description="Still open and not touched yet")
    due_soon: int = Field(description="Open, untouched and not breached, first touch due within due_soon_minutes "
                                      "of until (or overdue with the breach about to fire)")
    breached: int
    touched: int
    touched_on_time_pct: float | None = Field(description="Of the touched ones; null when none was touched")
    skills_relaxed: int = Field(default=0, description="Routed after an optional skill need was relaxed")
    unavailable_since: datetime | None = Field(default=None, description="Rep rows: set unavailable after missed"
                                               " first touches, until a manager clears it")


class UnavailableRep(BaseModel):
    rep_id: str
    name: str
    team: str | None
    since: datetime
    reason: str | None


class SlaBoard(BaseModel):
    since: datetime
    until: datetime
    due_soon_minutes: int
    reps: list[BoardRow]
    teams: list[BoardRow]
    totals: BoardRow
    unavailable: list[UnavailableRep] = Field(default=[], description="Every rep set unavailable now, whatever"
                                              " the window")
