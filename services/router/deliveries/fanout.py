"""The delivery fan-out: routed and follow-up events become one queued delivery per matching subscription.

It only writes rows; the HTTP calls happen in the delivery worker, so an endpoint's speed never
reaches routing or the consumers.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import asyncpg

from schemas.envelope import CloudEvent
from schemas.topics import Topic
from services.router.config import DELIVERY_GROUP
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


async def fan_out(subscriptions: SubscriptionRepository, deliveries: DeliveryRepository,
                  events: Sequence[CloudEvent], now: datetime) -> int:
    """Queues a delivery of each event to each active subscription whose filters match; returns how many."""
    targets = await subscriptions.active_filters()
    queued: list[NewDelivery] = []
    for event in events if targets else ():
        status = getattr(event.data, "status", None)  # follow-up events only
        wanted = [sid for sid, filters in targets
                  if matches(filters, event.type, str(status) if status is not None else None)]
        if wanted:
            payload = encode(event).decode()
            queued += [NewDelivery(delivery_id(sid, event.dedupe_key), sid, event.dedupe_key, event.type, payload)
                       for sid in wanted]
    return await deliveries.add(queued, now)


def delivery_consumers(now: Callable[[], datetime] = wall_clock) -> list[ConsumerSpec]:
    """One consumer group per topic (a consumer loop reads one topic), both only fanning out."""

    async def handle(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        await fan_out(SubscriptionRepository(conn), DeliveryRepository(conn), events, now())

    return [ConsumerSpec(f"{DELIVERY_GROUP}-routed", Topic.ROUTED, handle, gathers=True),
            ConsumerSpec(f"{DELIVERY_GROUP}-followup", Topic.FOLLOWUP, handle, gathers=True)]
