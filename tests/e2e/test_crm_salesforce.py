"""The Salesforce connector on the real Kafka and PostgreSQL, against a local Salesforce
(tests/support/fake_salesforce.py): routed -> the Lead's OwnerId set once with a Task -> reassigned ->
moved; an expired token is fetched again; the JWT bearer flow; a Flow callout and an Outbound
Message close the SLA loop, the latter acknowledged as Salesforce expects."""

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.crm import QUICK_DELIVERY, route_demo_request
from tests.support.fake_salesforce import FakeSalesforce, outbound_message
from tests.support.followups import followups
from tests.support.isolated import isolated_stack
from tests.support.kafka import wait_for
from tests.support.stack import ROOT

MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Berlin; the hot tier: first touch in 30 minutes
OWNERS = {"rep-ada": "005000000000ADAAAA", "rep-bo": "005000000000BOBAAA"}
ORG = "00D000000000001EAA"
OUTBOUND_TOKEN = "om-token-1"


@pytest.fixture
async def salesforce():
    server = await FakeSalesforce().start()
    yield server
    await server.stop()


@pytest.fixture
async def world(stack):
    async with isolated_stack(stack.settings, "crmsf", ROOT / "tests" / "data" / "sla-reps.yaml", MONDAY_9) as iso:
        yield iso


def _router(world, salesforce, **credentials):
    credentials = credentials or {"salesforce_client_secret": salesforce.client_secret}
    return world.router(salesforce_login_url=salesforce.url, salesforce_client_id=salesforce.client_id,
                        salesforce_org_id=ORG, salesforce_outbound_token=OUTBOUND_TOKEN,
                        **QUICK_DELIVERY, **credentials)


async def _set_up(world, router) -> None:
    response = await router.put("/v1/connectors/salesforce", json={}, headers=world.auth)
    assert response.status_code == 200, response.text
    assert response.json()["credentials_set"] is True
    owners = [{"rep_id": rep, "owner_id": owner} for rep, owner in OWNERS.items()]
    response = await router.put("/v1/connectors/salesforce/owners", json=owners, headers=world.auth)
    assert response.status_code == 200, response.text




async def _tasks(salesforce: FakeSalesforce, email: str, count: int = 1) -> list[dict]:
    async def enough():
        found = salesforce.lead_by_email(email)
        tasks = [t for t in salesforce.tasks if found and t["WhoId"] == found[0]]
        return tasks if len(tasks) >= count else None
    return await wait_for(enough, timeout=30)


async def test_a_routed_lead_sets_the_salesforce_owner_once_with_a_task_and_a_reassignment_moves_it(world,
                                                                                                   salesforce):
    async with world.scorer() as scorer, _router(world, salesforce) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "sfrouted")
        [assigned] = await followups(world, {email}, 1)
        first_rep = assigned["data"]["rep_id"]
        [task] = await _tasks(salesforce, email)
        lead_id, lead = salesforce.lead_by_email(email)
        assert lead["OwnerId"] == OWNERS[first_rep] and lead["Company"] == "[not provided]"
        assert task["OwnerId"] == OWNERS[first_rep] and task["Subject"] == "Handoff: lead routed"
        assert f"Routed by Handoff to {first_rep}" in task["Description"] and "tier hot" in task["Description"]
        assert [t["grant_type"] for t in salesforce.token_requests] == ["client_credentials"]

        world.clock.advance(minutes=30)  # breach, escalate, reassign
        events = await followups(world, {email}, 6)
        second_rep = events[5]["data"]["rep_id"]
        await _tasks(salesforce, email, 2)
        assert salesforce.leads[lead_id]["OwnerId"] == OWNERS[second_rep]
        assert len(salesforce.of("PATCH", "/sobjects/Lead/")) == 1 and len(salesforce.of("POST", "/sobjects/Lead")) == 1
        assert len(salesforce.token_requests) == 1  # the token is cached across attempts


async def test_an_expired_token_is_fetched_again_within_the_attempt(world, salesforce):
    async with world.scorer() as scorer, _router(world, salesforce) as router:
        await _set_up(world, router)
        first = await route_demo_request(world, scorer, "sftoken1")
        await _tasks(salesforce, first)
        salesforce.expire_tokens()
        second = await route_demo_request(world, scorer, "sftoken2")
        await _tasks(salesforce, second)
        assert len(salesforce.token_requests) == 2
        log = (await router.get("/v1/subscriptions/crm-salesforce/deliveries", headers=world.auth)).json()
        assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 1), ("delivered", 1)]
        assert salesforce.unauthorized == 1  # the one request made with the expired token


async def test_the_jwt_bearer_flow_signs_an_assertion_salesforce_accepts(world, salesforce):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    salesforce.public_key = key.public_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    async with world.scorer() as scorer, _router(world, salesforce, salesforce_username=salesforce.username,
                                                 salesforce_private_key=pem) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "sfjwt")
        await _tasks(salesforce, email)
        assert [t["grant_type"] for t in salesforce.token_requests] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]


async def test_a_flow_callout_and_an_outbound_message_close_the_sla_loop(world, salesforce):
    async with world.scorer() as scorer, _router(world, salesforce) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "sfloop")
        [assigned] = await followups(world, {email}, 1)
        rep = assigned["data"]["rep_id"]
        await _tasks(salesforce, email)
        lead_id, _ = salesforce.lead_by_email(email)

        world.clock.advance(minutes=12)
        at = world.clock().isoformat()
        call = {"event_id": f"00T000000000099AAA-{at}", "object": "Task", "lead_id": lead_id,
                "fields": {"TaskSubtype": "Call", "Subject": "Call", "OwnerId": OWNERS[rep]}, "occurred_at": at}
        ours = {"event_id": "00T-own", "object": "Task", "lead_id": lead_id,
                "fields": {"TaskSubtype": "Task", "Subject": "Handoff: lead routed"}, "occurred_at": at}
        status = {"event_id": f"{lead_id}-{at}", "object": "Lead", "lead_id": lead_id,
                  "fields": {"Status": "Working - Contacted"}, "occurred_at": at}
        response = await router.post("/v1/connectors/salesforce/events", json=[call, ours, status],
                                     headers=world.auth)
        assert response.status_code == 202, response.text
        assert response.json()["accepted"] == 2 and response.json()["skipped"][0]["reason"] == "a Task Handoff wrote"
        events = await followups(world, {email}, 3)
        assert [(e["data"]["status"], e["data"]["rep_id"]) for e in events] == [
            ("assigned", rep), ("touched", rep), ("accepted", rep)]
        assert events[1]["data"]["business_minutes_to_first_touch"] == 12.0

        world.clock.advance(minutes=5)
        soap = outbound_message(ORG, "04l000000000001AAA", lead_id, {
            "Email": email, "Status": "Closed - Converted", "LastModifiedDate": world.clock().isoformat()})
        headers = {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}
        refused = await router.post("/v1/connectors/salesforce/outbound-messages?token=wrong", content=soap,
                                    headers=headers)
        assert refused.status_code == 401
        for _ in range(2):  # Salesforce resends until acknowledged: counted once
            response = await router.post(f"/v1/connectors/salesforce/outbound-messages?token={OUTBOUND_TOKEN}",
                                         content=soap, headers=headers)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("text/xml")
            assert "<Ack>true</Ack>" in response.text
        events = await followups(world, {email}, 4)
        assert events[3]["data"]["status"] == "converted"

        async def converted_once():
            async with world.db() as conn:
                return await conn.fetchval("SELECT count(*) FROM router.crm_activities WHERE lead_key = $1"
                                           " AND status = 'converted'", email) == 1
        assert await wait_for(converted_once)


async def test_an_outbound_message_with_a_document_type_declaration_is_refused(world, salesforce):
    async with _router(world, salesforce) as router:
        await _set_up(world, router)
        hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
        response = await router.post(f"/v1/connectors/salesforce/outbound-messages?token={OUTBOUND_TOKEN}",
                                     content=hostile, headers={"content-type": "text/xml"})
        assert response.status_code == 400
        assert "document type declaration" in response.json()["error"]["message"]


async def test_salesforce_rate_limits_and_outages_are_retried_and_nothing_is_lost(world, salesforce):
    salesforce.fail_next("POST", "/sobjects/Task", 429, **{"retry-after": "2"})
    salesforce.fail_next("GET", "/query", 503)
    async with world.scorer() as scorer, _router(world, salesforce) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "sflimits")
        [task] = await _tasks(salesforce, email)
        log = (await router.get("/v1/subscriptions/crm-salesforce/deliveries", headers=world.auth)).json()
        [delivery] = log
        codes = [a["status_code"] for a in delivery["attempt_log"]]
        assert delivery["status"] == "delivered" and sorted(codes[:-1]) == [429, 503] and codes[-1] == 201
        limited = next(i for i, a in enumerate(delivery["attempt_log"]) if a["status_code"] == 429)
        after = delivery["attempt_log"][limited + 1]
        gap = datetime.fromisoformat(after["started_at"]) - datetime.fromisoformat(
            delivery["attempt_log"][limited]["started_at"])
        assert gap.total_seconds() >= 2  # no sooner than Retry-After (the backoff alone is under 0.5 s)
        assert len(salesforce.of("POST", "/sobjects/Lead")) == 1  # the Lead is created once, found after
        assert task["WhoId"] == salesforce.lead_by_email(email)[0]
