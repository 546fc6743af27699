"""A lead qualified straight onto Kafka and the follow-up events that come of it, in an isolated world."""

import uuid
from collections.abc import Collection

from schemas.messages import QualifiedEvent
from schemas.topics import Topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.kafka import body, produce_raw, read_until


async def qualify_hot(world, lead_key: str, **attributes) -> None:
    """A hot fast-track qualification of `lead_key` at the world's clock, as the scorer emits it."""
    event = QualifiedEvent(id=str(uuid.uuid4()), source="tests", data={
        "lead_key": lead_key, "source": "api", "qualified_at": world.clock(), "reason": "fast_track:demo_request",
        "tier": "hot", "agreement_version": 1, "attributes": attributes})
    await produce_raw(world.bootstrap, world.topic(Topic.QUALIFIED), encode(event), key=lead_key.encode(),
                      headers=STRUCTURED_HEADERS)


async def followups(world, keys: Collection[str], at_least: int) -> list[dict]:
    """Every follow-up event of the leads `keys`, in the order read, once there are at least `at_least`."""
    def mine(records):
        return [r for r in records if r.key.decode() in keys]
    return [body(r) for r in mine(await read_until(world.bootstrap, world.topic(Topic.FOLLOWUP),
                                                   lambda rs: len(mine(rs)) >= at_least))]
