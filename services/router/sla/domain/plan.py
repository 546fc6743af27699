"""SLA targets, timers and breach actions from the agreement's tiers and business calendar. Pure."""

from dataclasses import dataclass
from datetime import datetime

from services.agreement.document import AgreementDocument
from services.agreement.handoff_sections import SlaTier
from services.router.sla.domain.business_clock import WorkingHours


@dataclass(frozen=True)
class PlannedTimer:
    kind: str  # warning, breach (first touch) or accept_breach
    seq: int  # which warning point; 0 for the breaches
    due_at: datetime


@dataclass(frozen=True)
class SlaPlan:
    """The clock of one assignment: when the first touch and the decision are due, and each timer."""

    first_touch_due: datetime
    accept_due: datetime
    timers: tuple[PlannedTimer, ...]


@dataclass(frozen=True)
class BreachAction:
    escalate: bool
    reassign: bool  # False: the lead is given up as unworked


@dataclass(frozen=True)
class FirstTouch:
    business_minutes: float
    on_time: bool


def business_hours(doc: AgreementDocument, rep_time_zone: str | None) -> WorkingHours:
    """The agreement's calendar, in the rep's time zone when the agreement says so."""
    cal = doc.sla.calendar
    zone = rep_time_zone if cal.time_zone_policy == "rep" and rep_time_zone else cal.time_zone
    return WorkingHours(zone, frozenset(cal.days), cal.start, cal.end, frozenset(cal.holidays))


def sla_tier(doc: AgreementDocument | None, tier: str) -> SlaTier | None:
    """The agreement's SLA target for `tier`, if it has one."""
    if doc is None:
        return None
    return next((t for t in doc.sla.tiers if t.name == tier), None)


def plan_sla(doc: AgreementDocument | None, tier: str, rep_time_zone: str | None,
             routed_at: datetime) -> SlaPlan | None:
    """Due times and timers of a lead of `tier` routed at `routed_at`; None without a target."""
    target = sla_tier(doc, tier)
    if target is None:
        return None
    assert doc is not None  # a target comes from a document
    hours = business_hours(doc, rep_time_zone)
    due = hours.add_business_minutes(routed_at, target.first_touch_minutes)
    accept_due = hours.add_business_minutes(routed_at, target.accept_minutes)
    warnings = [PlannedTimer("warning", i, hours.add_business_minutes(routed_at, fraction * target.first_touch_minutes))
                for i, fraction in enumerate(target.warn_at, start=1)]
    timers = (*warnings, PlannedTimer("breach", 0, due), PlannedTimer("accept_breach", 0, accept_due))
    return SlaPlan(due, accept_due, timers)


def breach_action(target: SlaTier | None, attempt: int) -> BreachAction:
    """What a missed first touch of the `attempt`-th assignee leads to under the tier's policy."""
    if target is None:
        return BreachAction(escalate=False, reassign=False)
    policy = target.on_breach
    return BreachAction(escalate=policy.escalate, reassign=attempt <= policy.reassign_max)


def first_touch(hours: WorkingHours | None, routed_at: datetime, due: datetime | None,
                touched_at: datetime) -> FirstTouch:
    """Business minutes from routing to the first touch, and whether it met the due time.

    A touch before the routing (the rep was already talking to the lead) counts as 0 minutes.
    Without a calendar (no agreement) the minutes are wall-clock minutes.
    """
    if hours is None:
        minutes = max((touched_at - routed_at).total_seconds() / 60, 0.0)
    else:
        minutes = hours.business_minutes_between(routed_at, touched_at)
    return FirstTouch(round(minutes, 2), due is None or touched_at <= due)
