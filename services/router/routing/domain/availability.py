"""Whether a rep can take a new lead right now, and if not, why. Pure: the time is passed in.

The checks run in a fixed order, so a rep who is several things at once gets one stable reason,
the most lasting first: excluded (an earlier assignee of this lead), inactive, unavailable (set
after missing first-touch SLAs in a row, until a manager clears it), out of office, at capacity
(open leads, then new leads today), outside working hours.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.router.sla.domain.business_clock import WorkingHours

EXCLUDED = "excluded"
INACTIVE = "inactive"
UNAVAILABLE = "unavailable"  # missed K first-touch SLAs in a row; a manager clears it
OUT_OF_OFFICE = "out_of_office"
AT_CAPACITY_OPEN = "at_capacity_open"
AT_CAPACITY_DAILY = "at_capacity_daily"
OUTSIDE_WORKING_HOURS = "outside_working_hours"
UNKNOWN_REP = "unknown_rep"  # named by a pool or an account, but no longer among the reps
SKIP_REASONS = (EXCLUDED, INACTIVE, UNAVAILABLE, OUT_OF_OFFICE, AT_CAPACITY_OPEN, AT_CAPACITY_DAILY,
                OUTSIDE_WORKING_HOURS, UNKNOWN_REP)


@dataclass(frozen=True)
class RepState:
    """A rep as routing sees them; the caller counts `new_today` over the rep's own local day.
    The counts matter only against their caps, so a caller may stop counting at the cap."""

    rep_id: str
    active: bool = True
    out_of_office: tuple[tuple[datetime, datetime], ...] = ()  # aware [start, end) periods
    max_open: int | None = None  # None: no cap
    open_count: int = 0
    max_new_per_day: int | None = None  # None: no cap
    new_today: int = 0
    working_hours: WorkingHours | None = None  # None: no calendar, always counts as working
    unavailable: bool = False  # set unavailable after missed SLAs, until a manager clears it
    skills: Mapping[str, int] = field(default_factory=dict)  # skill -> level 1-5
    languages: Mapping[str, int] = field(default_factory=dict)  # language code -> level 1-5

    def __post_init__(self) -> None:
        for start, end in self.out_of_office:
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError(f"{self.rep_id}: out-of-office periods need time zones")


def is_out_of_office(rep: RepState, at: datetime) -> bool:
    """Whether `at` falls in one of the rep's [start, end) out-of-office periods."""
    return any(start <= at < end for start, end in rep.out_of_office)


def skip_reason(rep: RepState, at: datetime, respect_working_hours: bool,
                exclude: Collection[str] = frozenset()) -> str | None:
    """Why the rep cannot take a lead at `at` (one of SKIP_REASONS), or None when they can."""
    if rep.rep_id in exclude:
        return EXCLUDED
    if not rep.active:
        return INACTIVE
    if rep.unavailable:
        return UNAVAILABLE
    if is_out_of_office(rep, at):
        return OUT_OF_OFFICE
    if rep.max_open is not None and rep.open_count >= rep.max_open:
        return AT_CAPACITY_OPEN
    if rep.max_new_per_day is not None and rep.new_today >= rep.max_new_per_day:
        return AT_CAPACITY_DAILY
    if respect_working_hours and rep.working_hours is not None and not rep.working_hours.is_open(at):
        return OUTSIDE_WORKING_HOURS
    return None
