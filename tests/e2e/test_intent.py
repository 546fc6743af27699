"""Intent signals through the running services on the real Kafka and PostgreSQL: JSON, CSV and
Kafka-direct in, stored per account, counted in its leads' scores and in backtests."""

import uuid
from datetime import UTC, datetime

import httpx
import orjson

from schemas.messages import IntentEvent
from schemas.topics import Topic
from services.shared import cloudevents
from tests.e2e.test_backtest import run_backtest
from tests.support.agreements import example_document, role_key
from tests.support.events import engagement, unique_email
from tests.support.kafka import produce_raw, wait_for

JSON = {"content-type": "application/json"}
CSV = {"content-type": "text/csv"}


def _domain() -> str:
    return f"{uuid.uuid4().hex[:8]}-intent.com"


def _signal(domain: str, strength: float = 85, topic: str = "CRM software", observed_at: str | None = None) -> dict:
    return {"account": domain, "topic": topic, "strength": strength, "provider": "bombora",
            "observed_at": observed_at or datetime.now(UTC).isoformat()}


async def _post(services, content: bytes, headers: dict, params: dict | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{services.scorer_url}/v1/intent", content=content, params=params,
                                 headers={**services.auth, **headers})


def _stored(db, account: str, count: int = 1):
    async def check():
        n = await db.fetchval("SELECT count(*) FROM scorer.intent_signals WHERE account_key = $1", account)
        return n >= count and n
    return check


async def test_a_json_signal_is_accepted_once_kafka_has_it_and_stored_for_its_account(services, db):
    domain = _domain()
    response = await _post(services, orjson.dumps(_signal(f"www.{domain}")), JSON)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1
    assert await wait_for(_stored(db, domain)) == 1  # grouped by the registrable domain, as leads are


async def test_a_provider_csv_export_is_read_with_its_own_column_names(services, db):
    domain = _domain()
    csv = (f"Domain,Topic Name,Composite Score,Date\n{domain},CRM software,72,2026-11-23\n"
           f"{domain},Payroll,40,2026-11-23\n")
    response = await _post(services, csv.encode(), CSV, {"provider": "bombora"})
    assert response.status_code == 202, response.text
    assert await wait_for(_stored(db, domain, 2)) == 2


async def test_a_bad_csv_row_is_refused_naming_its_line_and_column(services):
    csv = f"domain,topic,strength,date\n{_domain()},CRM,72,2026-11-23\n{_domain()},CRM,lots,2026-11-23\n"
    response = await _post(services, csv.encode(), CSV, {"provider": "g2"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["line 3.strength"]


async def test_a_strength_beyond_100_is_refused_naming_the_field(services):
    response = await _post(services, orjson.dumps([_signal(_domain(), strength=120)]), JSON)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "[0].strength"


async def test_the_same_signal_uploaded_twice_is_stored_once(services, db):
    domain = _domain()
    signal = orjson.dumps(_signal(domain, observed_at="2026-11-20T00:00:00+00:00"))
    for _ in range(2):
        assert (await _post(services, signal, JSON)).status_code == 202
    await wait_for(_stored(db, domain))
    probe = _domain()  # a later signal through the same consumer: once it is stored, the duplicate was seen
    await _post(services, orjson.dumps(_signal(probe)), JSON)
    await wait_for(_stored(db, probe))
    assert await db.fetchval("SELECT count(*) FROM scorer.intent_signals WHERE account_key = $1", domain) == 1


async def test_a_signal_produced_straight_onto_kafka_is_stored(stack, services, db):
    domain = _domain()
    event = IntentEvent(id=str(uuid.uuid4()), source="tests/provider", data=_signal(domain))
    await produce_raw(stack.bootstrap, stack.topic(Topic.INTENT), cloudevents.encode(event), key=domain.encode(),
                      headers=cloudevents.STRUCTURED_HEADERS)
    assert await wait_for(_stored(db, domain)) == 1


async def test_a_lead_counts_the_intent_of_its_account_in_its_score(services, db):
    domain = _domain()
    assert (await _post(services, orjson.dumps(_signal(domain, strength=85)), JSON)).status_code == 202
    await wait_for(_stored(db, domain))
    email = unique_email("intent", domain=domain)
    async with httpx.AsyncClient() as client:
        await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(engagement(email, "email_open")),
                          headers={**services.auth, "content-type": "application/cloudevents+json"})

        async def score():
            r = await client.get(f"{services.scorer_url}/v1/leads/{email}/score", headers=services.auth)
            return r.json() if r.status_code == 200 else None

        scored = await wait_for(score)
    intent = next(c["points"] for c in scored["explanation"] if c["rule"] == "intent")
    assert 19.9 < intent <= 20  # the example's 20 points for CRM software at 80+, barely decayed


async def test_a_backtest_counts_stored_intent_under_a_draft_that_weighs_it_more(services, db):
    domain = _domain()
    email = unique_email("intent-backtest", domain=domain)
    at = "2020-05-11T10:00:00+00:00"
    assert (await _post(services, orjson.dumps(_signal(domain, observed_at="2020-05-10T10:00:00+00:00")),
                        JSON)).status_code == 202
    async with httpx.AsyncClient() as client:
        await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(
            engagement(email, "email_open", occurred_at=at)),
            headers={**services.auth, "content-type": "application/cloudevents+json"})
    await wait_for(_stored(db, domain))
    await wait_for(lambda: db.fetchval("SELECT 1 FROM scorer.engagement_events WHERE lead_key = $1", email))
    draft = example_document()
    draft["intent"]["rules"][0]["bands"][0]["points"] = 60  # 60 halved in a week: ~54 a day later, over warm's 40
    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        version = (await client.post("/v1/agreements", json=draft, headers=ops)).json()["version"]
        report = await run_backtest(client, version, {"since": "2020-05-01T00:00:00+00:00",
                                                      "until": "2020-06-01T00:00:00+00:00"}, ops)
    assert report["newly_qualified"] == [email]  # the active version's 20 (+1) stays below 40
