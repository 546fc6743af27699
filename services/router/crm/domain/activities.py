"""What a CRM activity means for the follow-up loop, and when it is acceptable. Pure."""

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from schemas.bounds import not_after
from schemas.events import CrmActivityKind, CrmActivityRecorded, FollowupStatus

# Outcomes a CRM may report; the lifecycle after the handoff (DESIGN §4).
OUTCOME_STATUSES: tuple[str, ...] = ("accepted", "rejected", "converted", "won", "lost")
CLOSING_STATUSES = frozenset({"rejected", "won", "lost"})  # the assignment's work is over
DECIDING_STATUSES = frozenset({"accepted", "rejected", "converted", "won", "lost"})  # stops the accept clock
# Later outcomes win over earlier ones of the same lead when they arrive out of order.
OUTCOME_RANK = {"accepted": 1, "rejected": 2, "converted": 2, "won": 3, "lost": 3}
DEFAULT_SKEW = timedelta(minutes=5)
PRICED_STATUSES = ("converted", "won")  # an opportunity is created, a deal is won: the outcomes with a value


def problems(activity: CrmActivityRecorded, rejection_reasons: Sequence[str] | None, now: datetime,
             skew: timedelta = DEFAULT_SKEW) -> list[tuple[str, str]]:
    """Why `activity` cannot be accepted, as (field, message) pairs; empty when it can."""
    found: list[tuple[str, str]] = []
    future = not_after(activity.occurred_at, now, skew)  # the rule every occurrence's time follows
    if future:
        found.append(("occurred_at", future))
    status = activity.status
    if activity.kind == CrmActivityKind.STATUS and status is None:
        found.append(("status", f"is required for kind 'status'; one of {list(OUTCOME_STATUSES)}"))
    if status is not None and status not in OUTCOME_STATUSES:
        found.append(("status", f"unknown status {status!r}; allowed values: {list(OUTCOME_STATUSES)}"))
    if status == "rejected":
        if not activity.reason:
            found.append(("reason", f"a rejection needs a reason; one of {list(rejection_reasons or [])}"))
        elif rejection_reasons is not None and activity.reason not in rejection_reasons:
            found.append(("reason", f"unknown rejection reason {activity.reason!r}; "
                                    f"allowed values: {list(rejection_reasons)}"))
    if activity.amount is not None and status not in PRICED_STATUSES:
        found.append(("amount", f"only a {' or '.join(PRICED_STATUSES)} status carries an amount, not {status!r}"))
    return found


def currency_problems(activity: CrmActivityRecorded, known: Collection[str]) -> list[tuple[str, str]]:
    """The currency, when the deployment cannot convert it: neither the reporting currency nor one with a rate."""
    if activity.currency is None or activity.currency in known:
        return []
    return [("currency", f"no rate for {activity.currency!r}; known currencies: {sorted(known)}"
                         " (ops sets rates with PUT /v1/currency-rates)")]


def followup_statuses(activity: CrmActivityRecorded) -> tuple[FollowupStatus, ...]:
    """The follow-up steps an outcome activity announces (a rejection also recycles the lead)."""
    if activity.status is None:
        return ()
    if activity.status == "rejected":
        return FollowupStatus.REJECTED, FollowupStatus.RECYCLED
    return (FollowupStatus(activity.status),)


def supersedes(new_status: str, new_at: datetime, old_status: str | None, old_at: datetime | None) -> bool:
    """Whether an outcome replaces the stored one: a further stage, or the same stage reported later."""
    if old_status is None or old_at is None:
        return True
    new_rank, old_rank = OUTCOME_RANK[new_status], OUTCOME_RANK.get(old_status, 0)
    return new_rank > old_rank or (new_rank == old_rank and new_at >= old_at)
