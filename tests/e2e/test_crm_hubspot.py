"""The HubSpot connector on the real Kafka and PostgreSQL, against a local HubSpot (tests/support/fake_hubspot.py):
routed -> owner set once with a note -> reassigned -> owner moved; a 429 backs off for its Retry-After;
an outage delays and loses nothing; HubSpot CRM webhooks close the SLA loop."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.crm import QUICK_DELIVERY, route_demo_request
from tests.support.fake_hubspot import FakeHubSpot, signed_webhook
from tests.support.followups import followups
from tests.support.isolated import isolated_stack
from tests.support.kafka import wait_for
from tests.support.stack import ROOT

# Monday 2031-03-03 09:00 in Berlin: the example agreement's hot tier wants a first touch within 30
# business minutes and reassigns a breach; the two reps of sla-reps.yaml share the default pool.
MONDAY_9 = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
OWNERS = {"rep-ada": "7001", "rep-bo": "7002"}
APP_SECRET = "hubspot-app-secret"
WEBHOOK_PATH = "/v1/connectors/hubspot/webhooks"


@pytest.fixture
async def hubspot():
    server = await FakeHubSpot().start()
    yield server
    await server.stop()


@pytest.fixture
async def world(stack):
    async with isolated_stack(stack.settings, "crmhub", ROOT / "tests" / "data" / "sla-reps.yaml", MONDAY_9) as iso:
        yield iso


def _router(world, hubspot, **overrides):
    return world.router(**{"hubspot_api_base": hubspot.url, "hubspot_token": hubspot.token,
                           "hubspot_client_secret": APP_SECRET, **QUICK_DELIVERY, **overrides})


async def _set_up(world, router) -> None:
    response = await router.put("/v1/connectors/hubspot", json={}, headers=world.auth)
    assert response.status_code == 200, response.text
    assert response.json()["credentials_set"] is True
    csv = "rep_id,owner_id\n" + "".join(f"{rep},{owner}\n" for rep, owner in OWNERS.items())
    response = await router.put("/v1/connectors/hubspot/owners", content=csv,
                                headers={**world.auth, "content-type": "text/csv"})
    assert response.status_code == 200, response.text




async def _noted(hubspot: FakeHubSpot, email: str, count: int = 1) -> list[dict]:
    async def enough():
        found = hubspot.contact_by_email(email)
        notes = [n for n in hubspot.notes if found and n["associations"][0]["to"]["id"] == found[0]]
        return notes if len(notes) >= count else None
    return await wait_for(enough, timeout=30)


async def _webhook(world, router, events: list[dict]):
    uri = f"http://in-process{WEBHOOK_PATH}"
    raw, headers = signed_webhook(APP_SECRET, uri, events, int(world.clock().timestamp() * 1000))
    return await router.post(WEBHOOK_PATH, content=raw, headers=headers)


def _property_change(event_id: int, contact_id: str, name: str, value: str, at: datetime) -> dict:
    return {"eventId": event_id, "subscriptionId": 901, "portalId": 62515, "appId": 1160452,
            "occurredAt": int(at.timestamp() * 1000), "subscriptionType": "contact.propertyChange",
            "attemptNumber": 0, "objectId": int(contact_id), "propertyName": name, "propertyValue": value,
            "changeSource": "CRM_UI"}


async def test_a_routed_lead_sets_its_hubspot_owner_once_with_a_note_and_a_reassignment_moves_it(world, hubspot):
    async with world.scorer() as scorer, _router(world, hubspot) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "hubrouted")
        [assigned] = await followups(world, {email}, 1)
        first_rep = assigned["data"]["rep_id"]
        [note] = await _noted(hubspot, email)

        contact_id, props = hubspot.contact_by_email(email)
        assert props["hubspot_owner_id"] == OWNERS[first_rep]
        assert note["properties"]["hubspot_owner_id"] == OWNERS[first_rep]
        text = note["properties"]["hs_note_body"]
        assert f"Routed by Handoff to {first_rep}" in text and "tier hot" in text and "first touch due" in text
        writes = [r for r in hubspot.requests if r.method in ("PATCH", "POST") and "/contacts" in r.path]
        assert len(writes) == 2  # the PATCH by e-mail (404: no such contact yet), then the create
        assert all(r.headers["authorization"] == f"Bearer {hubspot.token}" for r in hubspot.requests)

        world.clock.advance(minutes=30)  # the first touch is due: breach, escalate, reassign
        events = await followups(world, {email}, 6)
        second_rep = events[5]["data"]["rep_id"]
        assert events[5]["data"]["status"] == "reassigned" and second_rep != first_rep
        [_, moved] = await _noted(hubspot, email, 2)
        assert hubspot.contacts[contact_id]["hubspot_owner_id"] == OWNERS[second_rep]
        assert f"Reassigned by Handoff from {first_rep} to {second_rep}" in moved["properties"]["hs_note_body"]
        assert len(hubspot.of("PATCH", "/crm/v3/objects/contacts/")) == 2  # one per owner change

        log = await router.get("/v1/subscriptions/crm-hubspot/deliveries", headers=world.auth)
        assert sorted(d["status"] for d in log.json()) == ["delivered", "delivered"]


async def test_a_429_makes_the_next_attempt_wait_for_its_retry_after(world, hubspot):
    hubspot.fail_next("PATCH", "/crm/v3/objects/contacts/", 429, **{"retry-after": "2"})
    async with world.scorer() as scorer, _router(world, hubspot) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "hub429")

        async def backed_off():
            log = (await router.get("/v1/subscriptions/crm-hubspot/deliveries", headers=world.auth)).json()
            return log[0] if log and log[0]["attempt_log"] and log[0]["status"] == "pending" else None
        pending = await wait_for(backed_off)
        [attempt] = pending["attempt_log"]
        assert attempt["status_code"] == 429 and "HTTP 429" in attempt["error"]
        asked = datetime.fromisoformat(attempt["started_at"]) + timedelta(seconds=2)
        assert datetime.fromisoformat(pending["next_attempt_at"]) >= asked  # the backoff alone is under 0.5 s
        await _noted(hubspot, email)
        assert hubspot.contact_by_email(email)[1]["hubspot_owner_id"] in OWNERS.values()


async def test_a_hubspot_outage_and_a_missing_owner_delay_the_owner_change_and_lose_nothing(world, hubspot):
    for _ in range(2):
        hubspot.fail_next("PATCH", "/crm/v3/objects/contacts/", 503)
    async with world.scorer() as scorer, _router(world, hubspot) as router:
        response = await router.put("/v1/connectors/hubspot", json={}, headers=world.auth)
        assert response.status_code == 200, response.text
        email = await route_demo_request(world, scorer, "huboutage")

        async def failed_for_the_owner():
            log = (await router.get("/v1/subscriptions/crm-hubspot/deliveries", headers=world.auth)).json()
            return log and any("no hubspot owner for rep" in (a["error"] or "") for a in log[0]["attempt_log"])
        assert await wait_for(failed_for_the_owner)
        await _set_up(world, router)  # the owners arrive: the retries go through, past two 503s
        await _noted(hubspot, email)
        log = (await router.get("/v1/subscriptions/crm-hubspot/deliveries", headers=world.auth)).json()
        codes = [a["status_code"] for a in log[0]["attempt_log"]]
        assert log[0]["status"] == "delivered" and codes.count(503) == 2 and codes[-1] == 201


async def test_hubspot_lead_status_and_a_logged_call_close_the_sla_loop_once(world, hubspot):
    async with world.scorer() as scorer, _router(world, hubspot) as router:
        await _set_up(world, router)
        email = await route_demo_request(world, scorer, "hubloop")
        [assigned] = await followups(world, {email}, 1)
        rep = assigned["data"]["rep_id"]
        await _noted(hubspot, email)
        contact_id, _ = hubspot.contact_by_email(email)

        world.clock.advance(minutes=10)
        call_id = hubspot.log_call(contact_id, OWNERS[rep])
        call = {"eventId": 3001, "subscriptionId": 902, "portalId": 62515, "occurredAt": int(world.clock().timestamp()
                * 1000), "subscriptionType": "object.creation", "objectTypeId": "0-48", "objectId": int(call_id)}
        accepted = _property_change(3002, contact_id, "hs_lead_status", "CONNECTED", world.clock())
        echo = _property_change(3003, contact_id, "hubspot_owner_id", OWNERS[rep], world.clock())
        response = await _webhook(world, router, [call, accepted, echo])
        assert response.status_code == 202, response.text
        assert response.json()["accepted"] == 2
        assert response.json()["skipped"][0]["reason"] == "the owner Handoff set"
        again = await _webhook(world, router, [call, accepted])  # HubSpot retries: applied once
        assert again.status_code == 202

        events = await followups(world, {email}, 3)
        assert [(e["data"]["status"], e["data"]["rep_id"]) for e in events] == [
            ("assigned", rep), ("touched", rep), ("accepted", rep)]
        assert events[1]["data"]["on_time"] is True and events[1]["data"]["business_minutes_to_first_touch"] == 10.0

        hubspot.contacts[contact_id]["handoff_rejection_reason"] = "no budget"
        world.clock.advance(minutes=5)
        rejected = _property_change(3004, contact_id, "hs_lead_status", "UNQUALIFIED", world.clock())
        response = await _webhook(world, router, [rejected])
        assert response.status_code == 202 and response.json()["accepted"] == 1, response.text
        events = await followups(world, {email}, 5)
        assert [e["data"]["status"] for e in events[3:]] == ["rejected", "recycled"]
        assert events[3]["data"]["reason"] == "no budget"
        assert len({e["id"] for e in events}) == len(events) == 5
        async with world.db() as conn:
            row = await conn.fetchrow("SELECT status, touched_on_time FROM router.assignments WHERE lead_key = $1",
                                      email)
        assert (row["status"], row["touched_on_time"]) == ("closed", True)


async def test_a_hubspot_webhook_with_a_wrong_signature_is_refused(world, hubspot):
    async with _router(world, hubspot) as router:
        await _set_up(world, router)
        raw, headers = signed_webhook("not-the-secret", f"http://in-process{WEBHOOK_PATH}", [],
                                      int(world.clock().timestamp() * 1000))
        response = await router.post(WEBHOOK_PATH, content=raw, headers=headers)
        assert response.status_code == 401
        assert "X-HubSpot-Signature-v3" in response.json()["error"]["message"]


async def test_a_refused_hubspot_token_fails_the_attempt_naming_the_setting(world, hubspot):
    async with world.scorer() as scorer, _router(world, hubspot, hubspot_token="pat-na1-revoked") as router:
        await _set_up(world, router)
        await route_demo_request(world, scorer, "hub401")

        async def refused():
            log = (await router.get("/v1/subscriptions/crm-hubspot/deliveries", headers=world.auth)).json()
            return log and log[0]["attempt_log"] and log[0]["attempt_log"][0]
        attempt = await wait_for(refused)
        assert attempt["status_code"] == 401 and "HANDOFF_HUBSPOT_TOKEN" in attempt["error"]
        assert not hubspot.contacts and not hubspot.notes


async def test_an_owner_moved_in_hubspot_means_what_the_mapping_says(world, hubspot):
    async with world.scorer() as scorer, _router(world, hubspot) as router:
        await _set_up(world, router)
        mappings = (await router.get("/v1/connectors/hubspot", headers=world.auth)).json()["mappings"]
        mappings |= {"owner_changed": "rejected", "default_rejection_reason": "not the decision maker"}
        response = await router.put("/v1/connectors/hubspot", json={"mappings": mappings}, headers=world.auth)
        assert response.status_code == 200, response.text
        email = await route_demo_request(world, scorer, "hubowner")
        await _noted(hubspot, email)
        contact_id, _ = hubspot.contact_by_email(email)

        world.clock.advance(minutes=3)
        moved = _property_change(5001, contact_id, "hubspot_owner_id", "9999", world.clock())
        response = await _webhook(world, router, [moved])
        assert response.status_code == 202 and response.json()["accepted"] == 1, response.text
        events = await followups(world, {email}, 4)
        assert [e["data"]["status"] for e in events] == ["assigned", "touched", "rejected", "recycled"]
        assert events[2]["data"]["reason"] == "not the decision maker"
