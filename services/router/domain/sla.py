"""SLA due times from the agreement's tiers and business calendar. Pure."""

from datetime import datetime

from services.router.domain.business_clock import WorkingHours
from services.scorer.domain.agreement import AgreementDocument


def business_hours(doc: AgreementDocument, rep_time_zone: str | None) -> WorkingHours:
    """The agreement's calendar, in the rep's time zone when the agreement says so."""
    cal = doc.sla.calendar
    zone = rep_time_zone if cal.time_zone_policy == "rep" and rep_time_zone else cal.time_zone
    return WorkingHours(zone, frozenset(cal.days), cal.start, cal.end, frozenset(cal.holidays))


def first_touch_due(doc: AgreementDocument | None, tier: str, rep_time_zone: str | None,
                    routed_at: datetime) -> datetime | None:
    """When the first touch is due for a lead of `tier` routed at `routed_at`; None without a target."""
    if doc is None:
        return None
    target = next((t for t in doc.sla.tiers if t.name == tier), None)
    if target is None:
        return None
    return business_hours(doc, rep_time_zone).add_business_minutes(routed_at, target.first_touch_minutes)
