"""A sales-ready account (handoff.account.qualified) is routed as one lead of its own, keyed
`account:<domain>`: the same decision (key account owner, a colleague's rep, the account owner rule,
territories, pools), one assignment, one SLA clock and follow-ups keyed by the account, with its
engaged contacts and personas in the qualification."""

from schemas.events import LeadQualified
from schemas.messages import AccountQualifiedEvent, QualifiedEvent

PREFIX = "account:"


def account_lead_key(account_key: str) -> str:
    """The key the account's assignment, SLA timers, follow-ups and CRM activities go by."""
    return f"{PREFIX}{account_key}"


def as_qualification(event: AccountQualifiedEvent) -> QualifiedEvent:
    """The account's qualification as the routing handler takes a lead's: matched to its router account
    by domain (`website`), its contacts and personas among the attributes."""
    d = event.data
    return QualifiedEvent(
        id=event.id, source=event.source, subject=account_lead_key(d.account_key), time=event.time,
        data=LeadQualified(
            lead_key=account_lead_key(d.account_key), source="buying_group", qualified_at=d.qualified_at,
            reason="account:" + "+".join(d.personas), tier=d.tier, fit_score=d.fit_score,
            engagement_score=d.engagement_score, agreement_version=d.agreement_version,
            attributes={"website": d.account_key, "account_key": d.account_key, "contacts": list(d.contacts),
                        "personas": list(d.personas), "trigger_lead_key": d.lead_key}))
