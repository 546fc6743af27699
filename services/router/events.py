"""What the router's capabilities share: the routing context and the follow-up event they all emit.

Routing, the SLA timers and CRM handling each announce steps of a lead's follow-up; they build
the message here, so none of them imports another to do it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from schemas.events import LeadFollowup
from schemas.messages import FollowupEvent
from services.agreement.active import CurrentAgreement, Versioned
from services.shared.ids import derived_id
from services.shared.outbox import OutboxMessage


def _no_agreement() -> Versioned | None:
    return None


@dataclass(frozen=True)
class RoutingContext:
    """What the handlers need besides the repositories: topic names, the default pool, the clock
    and the agreement in force."""

    routed_topic: str
    followup_topic: str
    source: str
    default_pool: str
    now: Callable[[], datetime]
    agreement: CurrentAgreement = _no_agreement
    clock_skew: timedelta = timedelta(minutes=5)  # HANDOFF_CLOCK_SKEW_S: how far ahead an occurrence may be
    reporting_currency: str = "EUR"  # HANDOFF_REPORTING_CURRENCY: amounts in it need no rate


class Outbox(Protocol):
    """Where a handler leaves the events to publish, in its transaction."""

    async def add_outbox(self, messages: Sequence[OutboxMessage]) -> None: ...


def followup_message(ctx: RoutingContext, input_key: str, data: LeadFollowup) -> OutboxMessage:
    """The follow-up event of one step; its id derives from what caused the step."""
    event = FollowupEvent(id=derived_id(input_key, f"followup:{data.status}"), source=ctx.source,
                          subject=data.lead_key, time=data.occurred_at, data=data)
    return OutboxMessage(ctx.followup_topic, data.lead_key, event)
