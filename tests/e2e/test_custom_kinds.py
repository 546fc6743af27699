"""Custom activity kinds through the running services on the real Kafka and PostgreSQL: declared
kinds score, undeclared ones are kept and counted, and a draft that declares them scores them."""

import uuid

import httpx
import orjson

from tests.e2e.test_backtest import run_backtest
from tests.support.agreements import example_document, role_key
from tests.support.events import engagement, unique_email
from tests.support.kafka import wait_for

CE = {"content-type": "application/cloudevents+json"}
BATCH = {"content-type": "application/cloudevents-batch+json"}


async def _post(services, body, headers=CE) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(body),
                                     headers={**services.auth, **headers})
    assert response.status_code == 202, response.text
    return response.json()


def _score(services, key: str):
    async def read() -> dict | None:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{services.scorer_url}/v1/leads/{key}/score", headers=services.auth)
        return response.json() if response.status_code == 200 else None
    return read


def _new_kind() -> str:
    return f"tool_event_{uuid.uuid4().hex[:8]}"  # declared by no agreement


async def test_a_custom_kind_the_example_agreement_declares_scores_its_points(services):
    email = unique_email("webinar")
    answer = await _post(services, engagement(email, "webinar_registered"))
    assert (answer["ignored"], answer["undeclared_kinds"]) == (0, [])
    score = await wait_for(_score(services, email))
    assert {"rule": "engagement.webinar_registered", "points": 5.0} in score["explanation"]


async def test_an_undeclared_kind_is_accepted_counted_as_ignored_and_kept(services, db):
    email, kind = unique_email("undeclared"), _new_kind()
    answer = await _post(services, [engagement(email, kind), engagement(email, "page_view")], BATCH)
    assert (answer["accepted"], answer["ignored"], answer["undeclared_kinds"]) == (2, 1, [kind])
    stored = await wait_for(lambda: db.fetchval(
        "SELECT activity FROM scorer.engagement_events WHERE lead_key = $1 AND activity = $2", email, kind))
    assert stored == kind


async def test_an_undeclared_kind_is_named_in_the_score_mismatches(services):
    email, kind = unique_email("mismatched"), _new_kind()
    await _post(services, engagement(email, kind))
    score = await wait_for(_score(services, email))
    assert any(repr(kind) in m and "not declared" in m for m in score["mismatches"])
    assert score["engagement"] == 0


async def test_a_malformed_kind_name_is_refused_naming_the_field(services):
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", headers={**services.auth, **CE},
                                     content=orjson.dumps(engagement(unique_email(), "Chat Started!")))
    assert response.status_code == 422
    assert "data.activity" in response.text


async def test_a_backtest_scores_stored_custom_activities_under_a_draft_that_declares_them(services, db):
    email, kind = unique_email("intentful"), _new_kind()
    await _post(services, engagement(email, kind, occurred_at="2020-03-10T10:00:00+00:00"))
    await wait_for(lambda: db.fetchval("SELECT 1 FROM scorer.engagement_events WHERE lead_key = $1", email))
    draft = example_document()
    draft["activities"].append({"name": kind, "description": "a tool's new event"})
    draft["engagement"]["rules"].insert(0, {"id": "new_kind", "activity": kind, "points": 45})
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        created = await client.post("/v1/agreements", json=draft, headers=ops)
        assert created.status_code == 201, created.text
        report = await run_backtest(client, created.json()["version"],
                                    {"since": "2020-03-01T00:00:00+00:00", "until": "2020-04-01T00:00:00+00:00"}, ops)
    assert email in report["newly_qualified"]  # fit 80, 45 points: warm under the draft, nothing under the active
