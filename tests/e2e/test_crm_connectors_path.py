"""One lead the whole way with both CRM connectors on, through the real Kafka and PostgreSQL: a signed
marketing webhook -> scored -> routed -> owner set in a local HubSpot and a local Salesforce ->
the rep's lead status changes in HubSpot -> the SLA is closed, with the right follow-up events."""

from datetime import UTC, datetime

import pytest

from schemas.topics import Topic
from tests.support.events import unique_email
from tests.support.fake_hubspot import FakeHubSpot, signed_webhook
from tests.support.fake_salesforce import FakeSalesforce
from tests.support.isolated import isolated_stack
from tests.support.kafka import body, read_until, wait_for
from tests.support.stack import ROOT
from tests.support.webhooks import (
    SEGMENT_EMAIL,
    SEGMENT_USER,
    dev_secrets,
    dumps,
    fixture,
    fresh,
    segment_headers,
    unique_id,
)

MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
REPS = {"rep-ada": ("7001", "005000000000ADAAAA"), "rep-bo": ("7002", "005000000000BOBAAA")}
APP_SECRET = "hubspot-app-secret"


@pytest.fixture
async def crms():
    hubspot, salesforce = await FakeHubSpot().start(), await FakeSalesforce().start()
    yield hubspot, salesforce
    await hubspot.stop()
    await salesforce.stop()


@pytest.fixture
async def world(stack):
    async with isolated_stack(stack.settings, "crmpath", ROOT / "tests" / "data" / "sla-reps.yaml", MONDAY_9) as iso:
        yield iso


async def test_a_marketing_webhook_lead_gets_its_owner_in_both_crms_and_a_hubspot_status_closes_its_sla(world, crms):
    hubspot, salesforce = crms
    router_settings = {
        "hubspot_api_base": hubspot.url, "hubspot_token": hubspot.token, "hubspot_client_secret": APP_SECRET,
        "salesforce_login_url": salesforce.url, "salesforce_client_id": salesforce.client_id,
        "salesforce_client_secret": salesforce.client_secret, "delivery_allow_http_localhost": True,
        "delivery_poll_s": 0.2}
    segment_secret = dev_secrets().segment_secret  # what segment_headers signs with
    async with world.scorer(segment_secret=segment_secret) as scorer, world.router(**router_settings) as router:
        for connector, column in (("hubspot", 0), ("salesforce", 1)):
            assert (await router.put(f"/v1/connectors/{connector}", json={}, headers=world.auth)).status_code == 200
            owners = [{"rep_id": rep, "owner_id": ids[column]} for rep, ids in REPS.items()]
            response = await router.put(f"/v1/connectors/{connector}/owners", json=owners, headers=world.auth)
            assert response.status_code == 200, response.text

        # The marketing tool: Segment's identify, group and "Demo Requested" track, signed.
        email = unique_email("crmpath").lower()
        document = fixture("segment")
        ids = {c["messageId"]: f"{c['messageId']}-{unique_id()}" for c in document["batch"]}
        raw = dumps(fresh(document, {SEGMENT_EMAIL: email, SEGMENT_USER: f"usr_{unique_id()}", **ids}, world.clock()))
        response = await scorer.post("/v1/webhooks/segment", content=raw, headers=segment_headers(raw))
        assert response.status_code == 202, response.text

        def of_lead(records):
            return [body(r) for r in records if r.key == email.encode()]
        [routed] = of_lead(await read_until(world.bootstrap, world.topic(Topic.ROUTED), lambda rs: of_lead(rs)))
        rep = routed["data"]["rep_id"]
        assert routed["data"]["tier"] == "hot"

        async def owners_set():
            contact, lead = hubspot.contact_by_email(email), salesforce.lead_by_email(email)
            return (contact, lead) if contact and lead and hubspot.notes and salesforce.tasks else None
        (contact_id, contact), (_, lead) = await wait_for(owners_set)
        assert (contact["hubspot_owner_id"], lead["OwnerId"]) == REPS[rep]

        world.clock.advance(minutes=8)
        event = {"eventId": 41, "subscriptionId": 901, "portalId": 62515, "subscriptionType": "contact.propertyChange",
                 "occurredAt": int(world.clock().timestamp() * 1000), "objectId": int(contact_id),
                 "propertyName": "hs_lead_status", "propertyValue": "CONNECTED"}
        path = "/v1/connectors/hubspot/webhooks"
        raw, headers = signed_webhook(APP_SECRET, f"http://in-process{path}", [event],
                                      int(world.clock().timestamp() * 1000))
        response = await router.post(path, content=raw, headers=headers)
        assert response.status_code == 202 and response.json()["accepted"] == 1, response.text

        events = of_lead(await read_until(world.bootstrap, world.topic(Topic.FOLLOWUP),
                                          lambda rs: len(of_lead(rs)) >= 3))
        assert [(e["data"]["status"], e["data"]["rep_id"]) for e in events] == [
            ("assigned", rep), ("touched", rep), ("accepted", rep)]
        assert events[1]["data"]["on_time"] is True and events[1]["data"]["business_minutes_to_first_touch"] == 8.0

        async with world.db() as conn:  # the SLA is met: every timer of the assignment cancelled, none fired
            timers = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE t.fired_at IS NOT NULL) AS fired,"
                " count(*) FILTER (WHERE t.cancelled_at IS NULL) AS pending, bool_and(a.touched_on_time) AS on_time"
                " FROM router.sla_timers t JOIN router.assignments a USING (assignment_id) WHERE a.lead_key = $1",
                email)
        assert (timers["fired"], timers["pending"], timers["on_time"]) == (0, 0, True)
