"""The active agreement applied by the running scorer on the real Kafka and PostgreSQL."""

import httpx
import orjson

from schemas.topics import Topic
from tests.support.events import FITTING, engagement, unique_email
from tests.support.kafka import body, read_until, wait_for

CE = {"content-type": "application/cloudevents+json"}


async def _post(services, *events: dict) -> None:
    async with httpx.AsyncClient() as client:
        for event in events:
            response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(event),
                                         headers={**services.auth, **CE})
            assert response.status_code == 202, response.text


async def _score(services, key: str) -> dict | None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{services.scorer_url}/v1/leads/{key}/score", headers=services.auth)
    return response.json() if response.status_code == 200 else None


async def _active_version(services) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{services.scorer_url}/v1/agreements/active", headers=services.auth)).json()[
            "version"]


async def test_a_qualification_carries_the_version_and_the_explanation(stack, services):
    email = unique_email("explained")
    await _post(services, engagement(email, "demo_request"))
    records = await read_until(stack.bootstrap, stack.topic(Topic.QUALIFIED),
                               lambda rs: [r for r in rs if r.key == email.encode()])
    data = body(next(r for r in records if r.key == email.encode()))["data"]
    assert data["agreement_version"] == await _active_version(services)
    assert data["reason"] == "fast_track:demo_request"
    assert data["fit_score"] == 80  # mid_market 20 + industry 15 + country 10 + senior 25 + business 10
    assert {"rule": "engagement.demo_request", "points": 50.0} in data["explanation"]


async def test_the_score_endpoint_explains_every_rule_that_fired(services):
    email = unique_email("scored")
    await _post(services, engagement(email, "page_view", url="https://x.example/pricing"))
    score = await wait_for(lambda: _score(services, email))
    assert score["sales_ready"] is False
    assert score["engagement"] == 10
    assert {c["rule"] for c in score["explanation"]} >= {"fit.mid_market", "engagement.pricing_page"}
    assert score["lifecycle"] == "engaged"


async def test_a_field_of_the_wrong_type_is_scored_without_it_and_recorded(services):
    email = unique_email("mismatch")
    await _post(services, engagement(email, "page_view", attributes={**FITTING, "employees": "lots"}))
    score = await wait_for(lambda: _score(services, email))
    assert score["fit"] == 60  # 80 without mid_market's 20
    assert any("employees" in m for m in score["mismatches"])


async def test_a_disqualified_lead_keeps_its_reason_and_is_not_qualified(services):
    email = unique_email("student")
    await _post(services, engagement(email, "demo_request", attributes={**FITTING, "title": "Student"}))
    score = await wait_for(lambda: _score(services, email))
    assert (score["disqualified"], score["sales_ready"], score["lifecycle"]) == ("student", False, "disqualified")


async def test_a_tool_id_is_merged_into_the_lead_once_an_email_links_it(services, db):
    tool_id, email = unique_email("anon").split("@")[0], unique_email("linked")
    await _post(services, engagement(None, "page_view", source="hubspot", external_id=tool_id))
    await wait_for(lambda: db.fetchval("SELECT 1 FROM scorer.leads WHERE lead_key = $1", f"hubspot:{tool_id}"))
    await _post(services, engagement(email, "email_open", source="hubspot", external_id=tool_id),
                engagement(None, "email_click", source="hubspot", external_id=tool_id))

    async def merged():
        return await db.fetchval("SELECT count(*) FROM scorer.engagement_events WHERE lead_key = $1", email) == 3

    await wait_for(merged)
    assert await db.fetchval("SELECT count(*) FROM scorer.leads WHERE lead_key = $1", f"hubspot:{tool_id}") == 0
