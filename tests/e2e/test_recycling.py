"""Rejected -> recycled on the scorer's side, through the running services on the real Kafka and PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from schemas.messages import FollowupEvent
from schemas.topics import Topic
from services.shared import cloudevents
from tests.support.agreements import activate, example_document, role_key
from tests.support.events import engagement, unique_email
from tests.support.kafka import produce_raw, read_until, wait_for


async def _post(services, event: dict) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(event),
                                     headers={**services.auth, "content-type": cloudevents.STRUCTURED_CONTENT_TYPE})
    assert response.status_code == 202, response.text


async def _recycle(stack, lead_key: str, at: datetime) -> None:
    """What the router says after a rejection: the lead goes back to nurture."""
    event = FollowupEvent(id=str(uuid.uuid4()), source="tests/router", subject=lead_key, data={
        "lead_key": lead_key, "status": "recycled", "occurred_at": at, "reason": "no budget"})
    await produce_raw(stack.bootstrap, stack.topic(Topic.FOLLOWUP), cloudevents.encode(event),
                      key=lead_key.encode(), headers=cloudevents.STRUCTURED_HEADERS)


def _lifecycle_is(db, lead_key: str, lifecycle: str):
    async def check():
        return await db.fetchrow("SELECT * FROM scorer.leads WHERE lead_key = $1 AND lifecycle = $2",
                                 lead_key, lifecycle)
    return check


async def _qualifications(stack, lead_key: str, count: int) -> list:
    records = await read_until(stack.bootstrap, stack.topic(Topic.QUALIFIED),
                               lambda rs: len([r for r in rs if r.key == lead_key.encode()]) >= count)
    return [orjson.loads(r.value) for r in records if r.key == lead_key.encode()]


async def _qualified_and_routed(stack, services, db) -> str:
    """A lead the scorer qualified and the router assigned (so no late `assigned` overtakes a recycle)."""
    email = unique_email("recycled")
    await _post(services, engagement(email, "demo_request"))
    await wait_for(_lifecycle_is(db, email, "routed"))
    return email


async def _recycled(stack, services, db) -> tuple[str, datetime]:
    email = await _qualified_and_routed(stack, services, db)
    at = datetime.now(UTC)
    await _recycle(stack, email, at)
    await wait_for(_lifecycle_is(db, email, "recycled"))
    return email, at


async def test_the_router_assigning_a_lead_moves_it_to_routed(stack, services, db):
    email = await _qualified_and_routed(stack, services, db)
    assert (await db.fetchrow("SELECT lifecycle FROM scorer.leads WHERE lead_key = $1", email))["lifecycle"] == "routed"


async def test_a_recycled_lead_is_back_in_nurture_without_its_qualification(stack, services, db):
    email, at = await _recycled(stack, services, db)
    row = await db.fetchrow("SELECT * FROM scorer.leads WHERE lead_key = $1", email)
    assert (row["qualified_at"], row["qualification_id"], row["recycle_count"]) == (None, None, 1)
    assert row["recycled_at"] == row["engagement_since"] == row["requalify_after"] == at


async def test_the_score_endpoint_shows_the_recycle(stack, services, db):
    email, at = await _recycled(stack, services, db)
    async with httpx.AsyncClient() as client:
        score = (await client.get(f"{services.scorer_url}/v1/leads/{email}/score", headers=services.auth)).json()
    assert (score["lifecycle"], score["recycle_count"], score["qualified_at"]) == ("recycled", 1, None)
    assert datetime.fromisoformat(score["recycled_at"]) == at


async def test_a_recycled_lead_crossing_the_line_again_gets_a_second_qualification(stack, services, db):
    email, _ = await _recycled(stack, services, db)
    first = (await _qualifications(stack, email, 1))[0]
    await _post(services, engagement(email, "demo_request"))
    second = (await _qualifications(stack, email, 2))[1]
    assert second["id"] != first["id"]
    assert second["data"]["qualified_at"] > first["data"]["qualified_at"]
    row = await wait_for(_lifecycle_is(db, email, "routed"))  # the router took it again
    assert row["qualification_id"] == second["id"]


@pytest.fixture
async def keys(services):
    return {role: await role_key(services, role) for role in ("marketing", "sales", "ops")}


async def _loaded(url: str, version: int) -> bool:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{url}/healthz")).json().get("agreement_version") == version


async def _activate_everywhere(services, document: dict, keys) -> int:
    version = await activate(services, document, keys)
    for url in (services.scorer_url, services.router_url):
        await wait_for(lambda url=url: _loaded(url, version), timeout=10)
    return version


async def test_a_recycled_lead_inside_its_cooldown_does_not_qualify_again(stack, services, db, keys):
    cooldown = example_document() | {"name": "Two weeks' peace", "recycle": {"requalify_after_days": 14}}
    await _activate_everywhere(services, cooldown, keys)
    try:
        email, at = await _recycled(stack, services, db)
        again = engagement(email, "demo_request")
        await _post(services, again)

        async def rescored():
            return await db.fetchval("SELECT scored_at >= $2 FROM scorer.lead_scores WHERE lead_key = $1",
                                     email, datetime.fromisoformat(again["data"]["occurred_at"]))

        await wait_for(rescored)
        row = await db.fetchrow("SELECT * FROM scorer.leads WHERE lead_key = $1", email)
        assert (row["lifecycle"], row["qualification_id"]) == ("recycled", None)
        assert row["requalify_after"] == at + timedelta(days=14)
    finally:
        await _activate_everywhere(services, example_document(), keys)  # the other tests expect the example
