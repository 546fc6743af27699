"""Payloads shaped like each tool's documentation, signed its way, end as scored leads on the real stack."""

import httpx
import pytest

from tests.support.events import engagement, unique_email
from tests.support.kafka import wait_for
from tests.support.webhooks import (
    HUBSPOT_EMAIL,
    HUBSPOT_OBJECTS,
    MAUTIC_CONTACT,
    MAUTIC_EMAIL,
    SEGMENT_EMAIL,
    SEGMENT_USER,
    dumps,
    fixture,
    fresh,
    hubspot_headers,
    mautic_headers,
    segment_headers,
    standard_headers,
    unique_id,
)


async def _post(url: str, body: bytes, headers: dict[str, str]) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(url, content=body, headers=headers)
    assert response.status_code == 202, response.text
    return response.json()


async def _score(services, key: str) -> dict | None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{services.scorer_url}/v1/leads/{key}/score", headers=services.auth)
    return response.json() if response.status_code == 200 else None


async def _ready(services, key: str) -> dict | None:
    score = await _score(services, key)
    return score if score and score["sales_ready"] else None


def _mautic(email: str, contact: int) -> bytes:
    return dumps(fresh(fixture("mautic"), {MAUTIC_EMAIL: email, MAUTIC_CONTACT: contact}))


async def test_a_mautic_request_of_several_event_types_ends_as_one_sales_ready_lead(services):
    email, url = unique_email("mautic"), f"{services.scorer_url}/v1/webhooks/mautic"
    body = _mautic(email, unique_id())
    answer = await _post(url, body, mautic_headers(body))
    assert (answer["accepted"], answer["ignored"]) == (5, 1)
    score = await wait_for(lambda: _ready(services, email))
    # fit: mid_market 20 + software 15 + VP 25 + business email 10 (Mautic's "Germany" is no country code)
    assert score["fit"] == 70
    assert score["engagement"] == pytest.approx(41, abs=0.1)  # contact form 30 + pricing page 10 + open 1
    assert (score["tier"], score["reason"]) == ("warm", "threshold:warm")


async def test_a_redelivered_mautic_request_is_dropped_by_the_items_own_ids(services, db):
    email, contact, url = unique_email("redelivered"), unique_id(), f"{services.scorer_url}/v1/webhooks/mautic"
    body = _mautic(email, contact)
    await _post(url, body, mautic_headers(body))
    await _post(url, body, mautic_headers(body))
    later = fresh({"mautic.page_on_hit": fixture("mautic")["mautic.page_on_hit"], "timestamp": "now"},
                  {MAUTIC_EMAIL: email, MAUTIC_CONTACT: contact, 8812: unique_id()})
    await _post(url, dumps(later), mautic_headers(dumps(later)))

    async def counted() -> int:
        return await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = $1", email) == 6

    await wait_for(counted)  # 5 + the later hit, never the 5 again: the same partition, so in order


def _hubspot(replace: dict) -> list:
    return fresh(fixture("hubspot"), replace)


async def test_a_mixed_hubspot_batch_ends_as_leads_enriched_by_property_changes(services):
    email, (a, b) = unique_email("hubspot"), (unique_id(), unique_id())
    url = f"{services.scorer_url}/v1/webhooks/hubspot"
    body = dumps(_hubspot({HUBSPOT_EMAIL: email, HUBSPOT_OBJECTS[0]: a, HUBSPOT_OBJECTS[1]: b}))
    answer = await _post(url, body, hubspot_headers(url, body))
    assert (answer["accepted"], answer["ignored"]) == (8, 2)
    score = await wait_for(lambda: _score(services, email))
    # employees "250" read as 250: mid_market 20 + Head of 25 + US 10 + business email 10
    assert score["fit"] == 65
    assert await wait_for(lambda: _score(services, f"hubspot:{b}"))


async def test_a_hubspot_contact_is_keyed_by_its_id_until_an_email_merges_it(services, db):
    email, contact = unique_email("merged"), unique_id()
    url = f"{services.scorer_url}/v1/webhooks/hubspot"
    created, changed = (dumps(fresh([fixture("hubspot")[i]], {HUBSPOT_OBJECTS[0]: contact, HUBSPOT_EMAIL: email}))
                        for i in (0, 1))
    await _post(url, created, hubspot_headers(url, created))
    assert await wait_for(lambda: _score(services, f"hubspot:{contact}"))
    await _post(url, changed, hubspot_headers(url, changed))

    async def merged() -> bool:
        return await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = $1", email) == 2

    await wait_for(merged)  # the creation, made before the email was known, now counts for the email's lead
    assert await db.fetchval("SELECT count(*) FROM scorer.leads WHERE lead_key = $1", f"hubspot:{contact}") == 0
    assert await wait_for(lambda: _score(services, email))


async def test_a_segment_batch_of_identify_group_and_track_ends_as_a_fast_tracked_lead(services):
    email, url = unique_email("segment"), f"{services.scorer_url}/v1/webhooks/segment"
    document = fixture("segment")
    ids = {c["messageId"]: f"{c['messageId']}-{unique_id()}" for c in document["batch"]}
    body = dumps(fresh(document, {SEGMENT_EMAIL: email, SEGMENT_USER: f"usr_{unique_id()}", **ids}))
    answer = await _post(url, body, segment_headers(body))
    assert (answer["accepted"], answer["ignored"]) == (4, 1)
    score = await wait_for(lambda: _ready(services, email))
    assert score["fit"] == 70  # mid_market 20 (the group's "420") + saas 15 + Director 25 + business 10
    assert (score["tier"], score["reason"]) == ("hot", "fast_track:demo_request")


async def test_a_redelivered_hubspot_batch_is_dropped_by_event_subscription_and_object(services, db):
    email, url = unique_email("hs-again"), f"{services.scorer_url}/v1/webhooks/hubspot"
    replace = {HUBSPOT_EMAIL: email, HUBSPOT_OBJECTS[0]: unique_id(), HUBSPOT_OBJECTS[1]: unique_id()}
    body, later = dumps(_hubspot(replace)), dumps(fresh([fixture("hubspot")[2]], {**replace, 1003: 1099}))
    for payload in (body, body, later):
        await _post(url, payload, hubspot_headers(url, payload))

    async def counted() -> bool:  # 7 for the email's object + the later change; the retry added none
        return await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = $1", email) == 8

    await wait_for(counted)


async def test_a_redelivered_segment_batch_is_dropped_by_message_id(services, db):
    email, url = unique_email("seg-again"), f"{services.scorer_url}/v1/webhooks/segment"
    document = fixture("segment")
    replace = {SEGMENT_EMAIL: email, SEGMENT_USER: f"usr_{unique_id()}",
               **{c["messageId"]: f"{c['messageId']}-{unique_id()}" for c in document["batch"]}}
    body = dumps(fresh(document, replace))
    later = dumps(fresh(document["batch"][2], {**replace, "node-1f4a0c7e-page": f"page-{unique_id()}"}))
    for payload in (body, body, later):
        await _post(url, payload, segment_headers(payload))

    async def counted() -> bool:  # 4 mapped calls + the later page view; the retry added none
        return await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = $1", email) == 5

    await wait_for(counted)


async def test_a_cloudevent_signed_with_standard_webhooks_needs_no_api_key(services):
    email = unique_email("signed")
    body = dumps(engagement(email, "demo_request"))
    answer = await _post(f"{services.scorer_url}/v1/events", body, standard_headers(body))
    assert answer["accepted"] == 1
    assert await wait_for(lambda: _ready(services, email))
