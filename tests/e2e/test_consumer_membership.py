"""Scorer processes joining and leaving mid-stream lose and double nothing (SIGTERM drains)."""

import asyncio
import signal

import httpx
import orjson

from schemas.topics import Topic
from tests.support.events import engagement, unique_email
from tests.support.kafka import read_until, wait_for

LEADS = 300
TOUCHES = ("page_view", "email_open", "email_click", "demo_request")  # 1,200 events


async def _post_batches(services, events: list[dict]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for start in range(0, len(events), 500):
            response = await client.post(
                f"{services.scorer_url}/v1/events", content=orjson.dumps(events[start:start + 500]),
                headers={**services.auth, "content-type": "application/cloudevents-batch+json"})
            assert response.status_code == 202, response.text


async def test_members_joining_and_leaving_mid_stream_lose_and_double_nothing(stack, services, db, start_extra):
    leaving = await start_extra("scorer")
    emails = [unique_email("member") for _ in range(LEADS)]
    events = [engagement(e, kind) for kind in TOUCHES for e in emails]

    async def stored() -> int:
        return await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = ANY($1)", emails)

    sending = asyncio.create_task(_post_batches(services, events))
    await wait_for(lambda: _at_least(stored, 1), timeout=30, interval=0.05)
    joining = asyncio.create_task(start_extra("scorer"))  # a member joins while records flow
    # SIGTERM mid-stream: finish the batch, commit, leave (uvicorn re-raises the signal afterwards).
    assert leaving.terminate() in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in leaving.log_tail()
    await sending
    await joining
    await wait_for(lambda: _exactly(stored, len(events)), timeout=60, interval=0.5)

    wanted = {e.encode() for e in emails}
    records = await read_until(stack.bootstrap, stack.topic(Topic.QUALIFIED),
                               lambda rs: wanted <= {r.key for r in rs}, timeout=60)
    per_lead = [r.key for r in records if r.key in wanted]
    assert len(per_lead) == LEADS  # each lead qualified once, none twice
    # routed once the scorer has read the router's `assigned` step
    assert await db.fetchval("SELECT count(DISTINCT lead_key) FROM scorer.leads WHERE lead_key = ANY($1)"
                             " AND lifecycle IN ('sales_ready', 'routed')", emails) == LEADS


async def _at_least(count, n: int) -> bool:
    return await count() >= n


async def _exactly(count, n: int) -> bool:
    return await count() == n
