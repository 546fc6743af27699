"""Money through the running services: amounts on CRM outcomes, currency rates, campaign costs."""

import uuid
from decimal import Decimal

import httpx
import pytest

from schemas.messages import CrmActivityEvent
from schemas.topics import Topic, dlq_topic
from services.shared.cloudevents import STRUCTURED_HEADERS, encode
from tests.e2e.test_crm_activities import _activity, _followups, _post, _route
from tests.support.agreements import role_key
from tests.support.kafka import header, produce_raw, read_until

CSV = "text/csv"
COST_HEADER = "campaign,period_start,period_end,source,amount,currency\n"


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as client:
        yield client


@pytest.fixture
async def usd(router):
    response = await router.put("/v1/currency-rates", json={"rates": {"USD": "0.9"}})
    assert response.status_code == 200, response.text


def _fields(response: httpx.Response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def _campaign() -> str:
    return f"camp-{uuid.uuid4().hex[:8]}"


async def test_a_won_deal_is_stored_exactly_and_announced_with_its_amount(stack, services, db, usd):
    lead = await _route(stack, services)
    won = _activity(lead, kind="status", status="won", amount="12500.10", currency="USD")
    assert (await _post(services, won)).status_code == 202
    statuses = await _followups(stack, lead, 2)
    assert (statuses[-1]["data"]["status"], statuses[-1]["data"]["amount"]) == ("won", "12500.10")
    row = await db.fetchrow("SELECT amount, currency FROM router.crm_activities WHERE activity_id = $1",
                            won["activity_id"])
    assert (row["amount"], row["currency"]) == (Decimal("12500.1000"), "USD")


async def test_an_amount_in_the_reporting_currency_needs_no_rate(stack, services):
    lead = await _route(stack, services)
    response = await _post(services, _activity(lead, kind="status", status="converted", amount=800, currency="EUR"))
    assert response.status_code == 202, response.text


async def test_a_bad_amount_is_422_naming_the_field(stack, services):
    lead = await _route(stack, services)
    response = await _post(services, _activity(lead, kind="status", status="won", amount="-5", currency="EUR"))
    assert response.status_code == 422 and _fields(response) == ["amount"]


async def test_an_amount_on_an_acceptance_is_422_naming_the_amount(stack, services):
    lead = await _route(stack, services)
    response = await _post(services, _activity(lead, kind="status", status="accepted", amount=5, currency="EUR"))
    assert response.status_code == 422 and _fields(response) == ["amount"]


async def test_a_currency_without_a_rate_is_422_naming_the_field_in_the_batch(stack, services):
    lead = await _route(stack, services)
    batch = [_activity(lead), _activity(lead, kind="status", status="won", amount=5, currency="JPY")]
    response = await _post(services, batch)
    assert response.status_code == 422 and _fields(response) == ["[1].currency"]
    assert "PUT /v1/currency-rates" in response.json()["error"]["fields"][0]["message"]


async def test_a_currency_without_a_rate_on_kafka_is_dead_lettered_with_the_reason(stack, services):
    lead = await _route(stack, services)
    topic = stack.topic(Topic.CRM_ACTIVITY)
    event = CrmActivityEvent(id=str(uuid.uuid4()), source="crm-direct", data=_activity(
        lead, kind="status", status="won", amount=5, currency="CHF"))
    await produce_raw(stack.bootstrap, topic, encode(event), key=lead.encode(), headers=STRUCTURED_HEADERS)
    dead = await read_until(stack.bootstrap, dlq_topic(topic), lambda rs: [r for r in rs if r.key == lead.encode()])
    assert "no rate for 'CHF'" in header(next(r for r in dead if r.key == lead.encode()), "dlq.error")


async def test_ops_sets_rates_that_everyone_reads_with_the_reporting_currency(services, router):
    response = await router.put("/v1/currency-rates", json={"rates": {"GBP": "1.17", "SEK": 0.0875}})
    assert response.status_code == 200, response.text
    sales = await role_key(services, "sales")
    body = (await router.get("/v1/currency-rates", headers=sales)).json()
    rates = {r["currency"]: Decimal(r["rate"]) for r in body["rates"]}
    assert body["reporting_currency"] == "EUR"
    assert (rates["GBP"], rates["SEK"]) == (Decimal("1.17"), Decimal("0.0875"))


async def test_the_reporting_currency_gets_no_rate(router):
    response = await router.put("/v1/currency-rates", json={"rates": {"EUR": "1"}})
    assert response.status_code == 422 and _fields(response) == ["rates.EUR"]


async def test_a_rate_for_no_currency_or_below_zero_is_422_naming_it(router):
    response = await router.put("/v1/currency-rates", json={"rates": {"EURO": "1", "USD": "-1"}})
    assert response.status_code == 422 and sorted(_fields(response)) == ["rates.EURO.[key]", "rates.USD"]


async def test_only_ops_sets_rates(services, router):
    sales = await role_key(services, "sales")
    assert (await router.put("/v1/currency-rates", json={"rates": {"USD": "1"}}, headers=sales)).status_code == 403


async def test_costs_import_from_csv_and_read_back_exactly(router, usd):
    a = _campaign()
    csv = COST_HEADER + f"{a},2026-11-01,2026-11-30,podcast,1200.50,USD\n{a},2026-12-01,2026-12-31,,300,EUR\n"
    response = await router.post("/v1/campaign-costs/import", content=csv, headers={"content-type": CSV})
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 2, "rejected": []}
    stored = [c for c in (await router.get("/v1/campaign-costs")).json() if c["campaign"] == a]
    assert [(c["period_start"], c["source"], Decimal(c["amount"]), c["currency"]) for c in stored] == [
        ("2026-11-01", "podcast", Decimal("1200.50"), "USD"), ("2026-12-01", None, Decimal("300"), "EUR")]


async def test_a_cost_import_with_one_bad_row_imports_nothing_and_names_its_line(router):
    a = _campaign()
    csv = COST_HEADER + (f"{a},2026-11-01,2026-11-30,ads,100,EUR\n{a},2026-12-01,2026-12-31,ads,lots,EUR\n"
                         f"{a},2027-01-31,2027-01-01,ads,100,EUR\n")
    response = await router.post("/v1/campaign-costs/import", content=csv, headers={"content-type": CSV})
    assert response.status_code == 422
    assert _fields(response) == ["line 3: amount", "line 4: period_end"]
    assert [c for c in (await router.get("/v1/campaign-costs")).json() if c["campaign"] == a] == []


async def test_a_partial_json_cost_import_keeps_the_good_rows_and_names_the_bad_by_index(router):
    a = _campaign()
    rows = [{"campaign": a, "period_start": "2026-11-01", "period_end": "2026-11-07", "amount": 10, "currency": "EUR"},
            {"campaign": a, "period_start": "2026-11-08", "period_end": "2026-11-14", "amount": 5, "currency": "KRW"}]
    response = await router.post("/v1/campaign-costs/import", params={"partial": "true"}, json=rows)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1
    assert [(r["index"], [f["field"] for f in r["fields"]]) for r in response.json()["rejected"]] == [
        (1, ["[1].currency"])]


async def test_a_period_overlapping_another_of_the_same_campaign_is_refused(router):
    a = _campaign()
    first = COST_HEADER + f"{a},2026-11-01,2026-11-30,,100,EUR\n"
    assert (await router.post("/v1/campaign-costs/import", content=first, headers={"content-type": CSV})).json()[
        "imported"] == 1
    again = COST_HEADER + f"{a},2026-11-15,2026-12-15,,100,EUR\n{a},2026-11-01,2026-11-30,,150,EUR\n"
    response = await router.post("/v1/campaign-costs/import", params={"partial": "true"}, content=again,
                                 headers={"content-type": CSV})
    assert response.json()["imported"] == 1  # the same start replaces the stored period
    assert [(r["line"], r["fields"][0]["field"]) for r in response.json()["rejected"]] == [(2, "line 2: period_start")]
    stored = [c for c in (await router.get("/v1/campaign-costs")).json() if c["campaign"] == a]
    assert [Decimal(c["amount"]) for c in stored] == [Decimal("150")]


async def test_costs_must_be_csv_or_json(router):
    response = await router.post("/v1/campaign-costs/import", content="x", headers={"content-type": "text/plain"})
    assert response.status_code == 415
