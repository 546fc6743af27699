"""Buying groups and sales-ready accounts under the agreement. Pure.

A contact's persona is the first of `buying_group.personas` whose conditions hold on what fit rules
see (scoring.lead_record: the attributes, email, email_domain, free_mail). An account is sales-ready
when its decayed engagement (its contacts' own, summed, plus its intent share), the best fit among
its engaged contacts and the count of distinct personas among them reach the agreement's
`buying_group` thresholds; it needs a `tier` to qualify at all, and no disqualified contact counts.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from services.agreement.document import AgreementDocument
from services.scorer.scoring.domain.intent import Signal, intent_points
from services.scorer.scoring.domain.scoring import DECIMALS, LeadProfile, Touch, _holds, engagement, lead_record


@dataclass(frozen=True)
class AccountView:
    """What an account's readiness is judged on."""

    engagement: float
    best_fit: float
    personas: Collection[str]


def persona_of(doc: AgreementDocument, profile: LeadProfile) -> str | None:
    """The contact's persona in the buying group, None when it matches none."""
    record = lead_record(profile)
    return next((p.id for p in doc.buying_group.personas if _holds(f"persona.{p.id}", p.when, record, [])), None)


def account_ready(doc: AgreementDocument, view: AccountView) -> bool:
    """Whether the account is sales-ready under `doc`."""
    group = doc.buying_group
    if group.tier is None:
        return False
    return (view.engagement >= group.min_engagement and view.best_fit >= group.min_fit
            and len(set(view.personas)) >= group.min_personas)


def engagement_rise(doc: AgreementDocument, contacts: Mapping[str, Iterable[Touch]], start: datetime,
                    end: datetime, signals: Iterable[Signal] = ()) -> tuple[float, float]:
    """(the account's decayed engagement at `end`, its rise since `start`): its contacts' engagement
    replayed (scoring.engagement) at both times and summed, plus `intent.weight` of its intent then,
    as the account's readiness counts it."""
    histories = [list(touches) for touches in contacts.values()]
    kept = list(signals) if doc.intent.rules else []

    def at(moment: datetime) -> float:
        own = sum(engagement(doc, touches, moment).points for touches in histories)
        return own + (doc.intent.weight * intent_points(doc.intent, kept, moment) if kept else 0.0)

    at_end, at_start = at(end), at(start)
    return round(at_end, DECIMALS), round(at_end - at_start, DECIMALS)
