"""The delivery fan-out: routed and follow-up events become one queued delivery per matching subscription.

It only writes rows; the HTTP calls happen in the delivery worker, so an endpoint's speed never
reaches routing or the consumers.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import asyncpg
import orjson

from schemas.envelope import CloudEvent
from schemas.topics import Topic
from services.router.config import DELIVERY_GROUP
from services.router.deliveries.domain.chat import CHAT_FORMATS, Alert, render, timeline_url
from services.router.deliveries.domain.delivery import matches
from services.router.deliveries.store import DeliveryRepository, NewDelivery
from services.router.deliveries.subscriptions import SubscriptionRepository
from services.shared.cloudevents import encode
from services.shared.ids import derived_id
from services.shared.runtime import ConsumerSpec


def wall_clock() -> datetime:
    # Delivery timing is real time even when tests move the routing clock: receivers check
    # webhook-timestamp against their own clocks.
    return datetime.now(UTC)


def delivery_id(subscription_id: str, event_key: str) -> str:
    """The webhook-id: stable for one event and one subscription, so receivers can drop repeats."""
    return "msg_" + derived_id(event_key, f"delivery:{subscription_id}").replace("-", "")


async def _alerts(subscriptions: SubscriptionRepository, events: Sequence[CloudEvent],
                  public_url: str) -> dict[str, Alert]:
    """Each event as a chat alert (by its dedupe key), with the due time and the rep's name and zone."""
    data = [(e.dedupe_key, e.data) for e in events]
    due, reps = await subscriptions.alert_facts(
        [a for _, d in data if (a := getattr(d, "assignment_id", None))],
        [r for _, d in data if (r := getattr(d, "rep_id", None))])
    alerts = {}
    for key, d in data:
        status = str(getattr(d, "status", "assigned"))  # a routed event announces the assignment
        rep_id, assignment_id = getattr(d, "rep_id", None), getattr(d, "assignment_id", None)
        name, zone = reps.get(rep_id or "", (None, None))
        at = getattr(d, "sla_due_at", None) or due.get(assignment_id or "")
        alerts[key] = Alert(status=status, lead_key=d.lead_key, rep_id=rep_id, rep_name=name, tier=d.tier,
                            due_at=at, time_zone=zone, timeline_url=timeline_url(public_url, d.lead_key),
                            previous_rep_id=getattr(d, "previous_rep_id", None), reason=getattr(d, "reason", None))
    return alerts


async def fan_out(subscriptions: SubscriptionRepository, deliveries: DeliveryRepository,
                  events: Sequence[CloudEvent], now: datetime, public_url: str = "") -> int:
    """Queues a delivery of each event to each active subscription whose filters match, in the
    subscription's format; returns how many."""
    targets = await subscriptions.active_filters()
    queued: list[NewDelivery] = []
    chat = await _alerts(subscriptions, events, public_url) if any(f in CHAT_FORMATS for *_, f in targets) else {}
    for event in events if targets else ():
        status = getattr(event.data, "status", None)  # follow-up events only
        wanted = [(sid, fmt) for sid, filters, fmt in targets
                  if matches(filters, event.type, str(status) if status is not None else None)]
        if wanted:
            signed = encode(event).decode()
            queued += [NewDelivery(delivery_id(sid, event.dedupe_key), sid, event.dedupe_key, event.type,
                                   orjson.dumps(render(fmt, chat[event.dedupe_key])).decode()
                                   if fmt in CHAT_FORMATS else signed)
                       for sid, fmt in wanted]
    return await deliveries.add(queued, now)


def delivery_consumers(public_url: str = "", now: Callable[[], datetime] = wall_clock) -> list[ConsumerSpec]:
    """One consumer group per topic (a consumer loop reads one topic), both only fanning out."""

    async def handle(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        await fan_out(SubscriptionRepository(conn), DeliveryRepository(conn), events, now(), public_url)

    return [ConsumerSpec(f"{DELIVERY_GROUP}-routed", Topic.ROUTED, handle, gathers=True),
            ConsumerSpec(f"{DELIVERY_GROUP}-followup", Topic.FOLLOWUP, handle, gathers=True)]
