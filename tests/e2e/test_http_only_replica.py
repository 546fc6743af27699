"""An HTTP-only scorer replica (HANDOFF_RUN_CONSUMERS=false), the ingest tier of a larger
deployment: it accepts events durably and leaves scoring to the replicas that consume."""

from datetime import UTC, datetime

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import Topic
from services.scorer.config import CONSUMER_GROUP
from tests.support.events import engagement, unique_email
from tests.support.isolated import isolated_stack
from tests.support.kafka import end_offsets, wait_for
from tests.support.stack import ROOT

CLOUDEVENT = {"content-type": "application/cloudevents+json"}


@pytest.fixture
async def world(stack):
    async with isolated_stack(stack.settings, "ingest_tier", ROOT / "tests" / "data" / "one-rep.yaml",
                              datetime.now(UTC)) as iso:
        yield iso


async def _post(world, client, email: str):
    return await client.post("/v1/events", content=orjson.dumps(engagement(email, "demo_request")),
                             headers={**world.auth, **CLOUDEVENT})


async def _records(world) -> int:
    return sum((await end_offsets(world.bootstrap, world.topic(Topic.ENGAGEMENT))).values())


async def test_an_http_only_replica_puts_accepted_events_on_the_topic(world):
    async with world.scorer(run_consumers=False) as api:
        response = await _post(world, api, unique_email("tier"))
        assert response.status_code == 202, response.text
        assert await _records(world) == 1


async def test_an_http_only_replica_joins_no_consumer_group(world):
    async with world.scorer(run_consumers=False) as api:
        ready = (await api.get("/readyz")).json()
        admin = AIOKafkaAdminClient(bootstrap_servers=world.bootstrap)
        await admin.start()
        try:
            [described] = await admin.describe_consumer_groups([world.settings.group(CONSUMER_GROUP)])
        finally:
            await admin.close()
    assert not [check for check in ready["checks"] if check.startswith("consumer:")]
    [group] = described.to_object()["groups"]
    assert group["members"] == []


async def test_what_an_http_only_replica_accepted_is_scored_by_a_consuming_replica(world):
    email = unique_email("tier").lower()
    async with world.scorer(run_consumers=False) as api:
        assert (await _post(world, api, email)).status_code == 202
    async with world.scorer(), world.db() as db:
        assert await wait_for(lambda: db.fetchval("SELECT 1 FROM scorer.leads WHERE lead_key = $1", email))
