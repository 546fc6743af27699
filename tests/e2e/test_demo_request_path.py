"""The foundation path, through running services on the real Kafka and PostgreSQL."""

import httpx
import orjson

from schemas.topics import Topic
from tests.support.events import engagement, unique_email
from tests.support.kafka import body, read_until, wait_for


async def _post(services, event: dict) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{services.scorer_url}/v1/events", content=orjson.dumps(event),
            headers={**services.auth, "content-type": "application/cloudevents+json"},
        )


def _for_lead(lead_key: str):
    return lambda records: [r for r in records if r.key == lead_key.encode()]


async def test_a_demo_request_is_routed_to_the_only_rep_of_the_default_pool(stack, services):
    email = unique_email("Demo")
    response = await _post(services, engagement(email, "demo_request", campaign="spring"))
    assert response.status_code == 202, response.text

    routed = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED), _for_lead(email.lower()))
    event = body(_for_lead(email.lower())(routed)[0])
    assert event["type"] == "handoff.lead.routed"
    assert event["data"]["rep_id"] == "rep-solo"
    assert event["data"]["pool_id"] == "default"
    assert event["data"]["tier"] == "hot"
    assert event["data"]["sla_due_at"] > event["data"]["routed_at"]  # 30 business minutes later


async def test_a_routed_lead_gets_an_assigned_followup_event(stack, services):
    email = unique_email("followup")
    assert (await _post(services, engagement(email, "demo_request"))).status_code == 202

    records = await read_until(stack.bootstrap, stack.topic(Topic.FOLLOWUP), _for_lead(email))
    followup = body(_for_lead(email)(records)[0])
    assert followup["type"] == "handoff.lead.followup"
    assert followup["data"]["status"] == "assigned"
    assert followup["data"]["rep_id"] == "rep-solo"


async def test_the_assignment_is_stored_with_its_decision(stack, services, db):
    email = unique_email("stored")
    assert (await _post(services, engagement(email, "demo_request"))).status_code == 202
    await read_until(stack.bootstrap, stack.topic(Topic.ROUTED), _for_lead(email))

    row = await db.fetchrow("SELECT * FROM router.assignments WHERE lead_key = $1", email)
    assert row["rep_id"] == "rep-solo"
    assert row["pool_id"] == "default"  # by whichever rule set is newest: all end in the default pool
    lead = await db.fetchrow("SELECT lifecycle FROM scorer.leads WHERE lead_key = $1", email)
    assert lead["lifecycle"] in ("sales_ready", "routed")  # routed once the scorer reads the `assigned` step


async def test_a_page_view_is_stored_but_not_qualified(stack, services, db):
    email = unique_email("browser")
    assert (await _post(services, engagement(email, "page_view"))).status_code == 202

    async def stored():
        return await db.fetchrow("SELECT lifecycle FROM scorer.leads WHERE lead_key = $1", email)

    lead = await wait_for(stored)
    assert lead["lifecycle"] == "engaged"
