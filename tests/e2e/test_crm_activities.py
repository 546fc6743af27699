"""CRM activities over HTTP and Kafka, through the running services on the real stack."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from schemas.messages import CrmActivityEvent
from schemas.topics import Topic, dlq_topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.support.agreements import role_key
from tests.support.events import engagement, unique_email
from tests.support.kafka import body, end_offsets, header, produce_raw, read_until, wait_for


async def _route(stack, services) -> str:
    """A new lead routed to rep-solo; returns its key once the router has it."""
    email = unique_email("crm").lower()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events",
                                     content=orjson.dumps(engagement(email, "demo_request")),
                                     headers={**services.auth, "content-type": "application/cloudevents+json"})
    assert response.status_code == 202, response.text
    await read_until(stack.bootstrap, stack.topic(Topic.ROUTED), lambda rs: [r for r in rs if r.key == email.encode()])
    return email


def _activity(lead_key: str, **data) -> dict:
    return {"activity_id": f"act-{uuid.uuid4().hex}", "lead_key": lead_key, "rep_id": "rep-solo", "kind": "call",
            "occurred_at": datetime.now(UTC).isoformat(), **data}


async def _post(services, payload, headers=None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{services.router_url}/v1/crm/activities", json=payload,
                                 headers=headers or services.auth)


async def _followups(stack, lead_key: str, count: int) -> list[dict]:
    records = await read_until(stack.bootstrap, stack.topic(Topic.FOLLOWUP),
                               lambda rs: len([r for r in rs if r.key == lead_key.encode()]) >= count)
    return [body(r) for r in records if r.key == lead_key.encode()]


async def test_a_call_is_the_first_touch_with_its_business_minutes(stack, services):
    lead = await _route(stack, services)
    response = await _post(services, _activity(lead))
    assert response.status_code == 202, response.text
    assigned, touched = await _followups(stack, lead, 2)
    assert touched["data"]["status"] == "touched"
    assert touched["data"]["rep_id"] == "rep-solo"
    assert touched["data"]["business_minutes_to_first_touch"] >= 0
    assert touched["data"]["on_time"] is True


async def test_a_batch_of_activities_is_taken_in_one_request(stack, services):
    lead = await _route(stack, services)
    batch = [_activity(lead), _activity(lead, kind="status", status="accepted")]
    response = await _post(services, batch)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 2
    statuses = [e["data"]["status"] for e in await _followups(stack, lead, 3)]
    assert statuses == ["assigned", "touched", "accepted"]


async def test_a_duplicate_activity_id_is_accepted_once_and_ignored_after(stack, services, db):
    lead = await _route(stack, services)
    activity = _activity(lead, kind="status", status="accepted")
    assert (await _post(services, activity)).json()["accepted"] == 1
    again = await _post(services, activity)
    assert again.status_code == 202
    assert again.json() == {"accepted": 0, "ids": [], "duplicates": [activity["activity_id"]]}
    await _followups(stack, lead, 3)
    # The same id straight onto Kafka is ignored as well.
    event = CrmActivityEvent(id=str(uuid.uuid4()), source="crm-direct", data=activity)
    await produce_raw(stack.bootstrap, stack.topic(Topic.CRM_ACTIVITY), encode(event), key=lead.encode(),
                      headers=STRUCTURED_HEADERS)
    marker = _activity(lead, kind="status", status="converted")  # processed after the duplicate
    await _post(services, marker)
    statuses = [e["data"]["status"] for e in await _followups(stack, lead, 4)]
    assert statuses == ["assigned", "touched", "accepted", "converted"]
    assert await db.fetchval("SELECT count(*) FROM router.crm_activities WHERE activity_id = $1",
                             activity["activity_id"]) == 1


async def test_a_rejection_records_the_reason_and_recycles_the_lead(stack, services, db):
    lead = await _route(stack, services)
    await _post(services, _activity(lead, kind="status", status="rejected", reason="no budget"))
    events = await _followups(stack, lead, 4)
    assert [e["data"]["status"] for e in events] == ["assigned", "touched", "rejected", "recycled"]
    assert events[3]["data"]["reason"] == "no budget"
    outcome = await wait_for(lambda: db.fetchrow("SELECT status, reason FROM router.lead_outcomes WHERE lead_key = $1",
                                                 lead))
    assert dict(outcome) == {"status": "rejected", "reason": "no budget"}


async def test_an_unknown_status_is_refused_listing_the_allowed_values(stack, services):
    response = await _post(services, _activity("nobody@example.com", kind="status", status="maybe"))
    assert response.status_code == 422
    [field] = response.json()["error"]["fields"]
    assert field["field"] == "status"
    assert all(s in field["message"] for s in ("accepted", "rejected", "converted", "won", "lost"))


async def test_a_rejection_without_an_agreed_reason_is_refused(stack, services):
    response = await _post(services, _activity("nobody@example.com", kind="status", status="rejected", reason="meh"))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "reason"
    assert "no budget" in response.json()["error"]["fields"][0]["message"]


async def test_a_timestamp_in_the_future_is_refused(stack, services):
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = await _post(services, [_activity("nobody@example.com", occurred_at=later)])
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "[0].occurred_at"


async def test_an_activity_for_an_unknown_lead_is_not_found(stack, services):
    before = await end_offsets(stack.bootstrap, stack.topic(Topic.CRM_ACTIVITY))
    response = await _post(services, _activity(unique_email("ghost").lower()))
    assert response.status_code == 404
    assert response.json()["error"]["fields"][0]["field"] == "lead_key"
    assert await end_offsets(stack.bootstrap, stack.topic(Topic.CRM_ACTIVITY)) == before


async def test_an_activity_by_an_unknown_rep_is_not_found(stack, services):
    lead = await _route(stack, services)
    response = await _post(services, _activity(lead, rep_id="rep-nobody"))
    assert response.status_code == 404
    assert response.json()["error"]["fields"][0]["field"] == "rep_id"


@pytest.mark.parametrize(("payload", "status"), [([], 400), ({"lead_key": "x"}, 422)])
async def test_malformed_activities_are_refused(stack, services, payload, status):
    assert (await _post(services, payload)).status_code == status


async def test_activities_must_be_json(stack, services):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.router_url}/v1/crm/activities", content=b"activity",
                                     headers={**services.auth, "content-type": "text/plain"})
    assert response.status_code == 415


async def test_marketing_may_not_post_crm_activities(stack, services):
    response = await _post(services, _activity("nobody@example.com"), headers=await role_key(services, "marketing"))
    assert response.status_code == 403


async def test_an_activity_for_an_unknown_lead_on_kafka_is_dead_lettered_with_the_reason(stack, services):
    topic = stack.topic(Topic.CRM_ACTIVITY)
    ghost = unique_email("ghost").lower()
    event = CrmActivityEvent(id=str(uuid.uuid4()), source="crm-direct", data=_activity(ghost))
    await produce_raw(stack.bootstrap, topic, encode(event), key=ghost.encode(), headers=STRUCTURED_HEADERS)
    dead = await read_until(stack.bootstrap, dlq_topic(topic), lambda rs: [r for r in rs if r.key == ghost.encode()])
    reason = header(next(r for r in dead if r.key == ghost.encode()), "dlq.error")
    assert "unknown lead" in reason


async def test_a_rejection_reason_outside_the_agreement_on_kafka_is_dead_lettered(stack, services):
    lead = await _route(stack, services)
    topic = stack.topic(Topic.CRM_ACTIVITY)
    event = CrmActivityEvent(id=str(uuid.uuid4()), source="crm-direct",
                             data=_activity(lead, kind="status", status="rejected", reason="meh"))
    await produce_raw(stack.bootstrap, topic, encode(event), key=lead.encode(), headers=STRUCTURED_HEADERS)
    dead = await read_until(stack.bootstrap, dlq_topic(topic), lambda rs: [r for r in rs if r.key == lead.encode()])
    assert "rejection reason" in header(next(r for r in dead if r.key == lead.encode()), "dlq.error")


async def test_the_first_decision_is_kept_apart_from_the_furthest_stage(stack, services, db):
    lead = await _route(stack, services)
    earlier = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    # Reported out of order: the later rejection arrives before the earlier acceptance.
    await _post(services, _activity(lead, kind="status", status="rejected", reason="no budget"))
    await _post(services, _activity(lead, kind="status", status="accepted", occurred_at=earlier))
    statuses = [e["data"]["status"] for e in await _followups(stack, lead, 5)]
    assert statuses == ["assigned", "touched", "rejected", "recycled", "accepted"]
    row = await db.fetchrow("SELECT outcome, first_outcome FROM router.assignments WHERE lead_key = $1", lead)
    assert dict(row) == {"outcome": "rejected", "first_outcome": "accepted"}
