"""The agreement's handoff sections: when a lead is sales-ready, the SLA both ways with its calendar,
marketing's commitments, and what a rejected lead's recycle brings back."""

from datetime import date, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from schemas.events import Activity
from services.agreement.sections import ClockTime, Name, NonEmpty, Points, Problems, Section, check_unique


class Tier(Section):
    name: Name
    min_fit: Points = 0
    min_engagement: Points = 0


class FastTrack(Section):
    activity: Activity  # built-in, or declared in the document's `activities`
    tier: Name
    min_fit: Points = 0


class SalesReady(Section):
    tiers: tuple[Tier, ...] = ()  # in priority order: the first satisfied tier wins
    fast_track: tuple[FastTrack, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> "SalesReady":
        if not self.tiers and not self.fast_track:
            raise ValueError("needs tiers or fast_track, or no lead can ever be sales-ready")
        check_unique([t.name for t in self.tiers], "tiers[{i}].name", "tier")
        check_unique([f.activity for f in self.fast_track], "fast_track[{i}].activity", "activity")
        return self


class Breach(Section):
    escalate: bool = True
    reassign_max: int = Field(default=1, ge=0, le=10)
    then: Literal["unworked"] = "unworked"
    # The ping-pong guard: a reassignment skips the lead's last N assignees, across all its handoffs.
    # Unset, every earlier assignee of this handoff is skipped (and none of an earlier handoff's).
    exclude_last: int | None = Field(default=None, ge=1, le=50)


class SlaTier(Section):
    name: Name
    # Bounded (a year of business minutes and more), so that whatever validates can be stored as jsonb.
    first_touch_minutes: int = Field(gt=0, le=1_000_000)  # business minutes
    accept_minutes: int = Field(gt=0, le=1_000_000)  # business minutes
    warn_at: tuple[float, ...] = ()  # fractions of the target, e.g. (0.5, 0.8)
    on_breach: Breach = Breach()

    @field_validator("warn_at")
    @classmethod
    def _fractions_increasing(cls, warn_at: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < w < 1 for w in warn_at):
            raise ValueError("each warning point is a fraction strictly between 0 and 1")
        if any(a >= b for a, b in zip(warn_at, warn_at[1:], strict=False)):
            raise ValueError("warning points must be strictly increasing")
        return warn_at


class Calendar(Section):
    time_zone_policy: Literal["rep", "fixed"] = "rep"  # rep: each rep's own zone, `time_zone` if unknown
    time_zone: str = "UTC"
    days: Annotated[tuple[Annotated[int, Field(ge=0, le=6)], ...], NonEmpty] = (0, 1, 2, 3, 4)
    start: ClockTime = time(9, 0)
    end: ClockTime = time(17, 30)
    holidays: tuple[date, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # a tzdata folder is an OSError
            raise ValueError(f"unknown IANA time zone {name!r}") from exc
        return name

    @model_validator(mode="after")
    def _opening(self) -> "Calendar":
        if self.start >= self.end:
            raise Problems([("end", "must be later than start")])
        if len(set(self.days)) != len(self.days):
            raise Problems([("days", "a day is listed twice")])
        return self


class Sla(Section):
    tiers: Annotated[tuple[SlaTier, ...], NonEmpty]
    calendar: Calendar = Calendar()

    @model_validator(mode="after")
    def _unique_names(self) -> "Sla":
        check_unique([t.name for t in self.tiers], "tiers[{i}].name", "tier")
        return self


class Commitments(Section):
    sales_ready_per_week: int = Field(ge=0, le=1_000_000_000)
    min_acceptance_rate: float = Field(ge=0, le=1)


class Recycle(Section):
    """What a lead that sales rejected brings back to nurture, and when it may be handed over again."""

    reset_engagement: bool = True  # engagement before the recycle no longer counts; fit still does
    requalify_after_days: int = Field(default=0, ge=0, le=365)  # no new qualification sooner after the recycle
