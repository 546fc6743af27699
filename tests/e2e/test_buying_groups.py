"""Sales-ready accounts through the running scorer on the real Kafka and PostgreSQL: the example
agreement's buying group (two personas, 60 points of account engagement, fit 40)."""

from datetime import UTC, datetime, timedelta

import httpx
import orjson

from schemas.topics import Topic
from tests.support.events import FITTING, engagement, unique_email
from tests.support.kafka import body, read_until, wait_for
from tests.support.stack import TEST_ADMIN_KEY

CE = {"content-type": "application/cloudevents+json"}


async def _post(services, event: dict) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(event),
                                     headers={**services.auth, **CE})
    assert response.status_code == 202, response.text


def _member(db, email: str):
    return lambda: db.fetchrow("SELECT * FROM scorer.account_members WHERE lead_key = $1", email)


async def test_an_account_whose_buying_group_engages_is_qualified_with_its_personas(stack, services, db):
    domain = unique_email("x").split("@")[1]
    vp, manager = unique_email("vp", domain=domain), unique_email("manager", domain=domain)
    await _post(services, engagement(vp, "trial_started"))  # 40, a decision maker
    await wait_for(_member(db, vp))
    await _post(services, engagement(manager, "trial_started", attributes={**FITTING, "title": "Sales Manager"}))
    records = await read_until(stack.bootstrap, stack.topic(Topic.ACCOUNT_QUALIFIED),
                               lambda rs: [r for r in rs if r.key == domain.encode()])
    data = body(next(r for r in records if r.key == domain.encode()))["data"]
    assert (data["account_key"], data["tier"], data["personas"], data["lead_key"]) == (
        domain, "hot", ["champion", "decision_maker"], manager)
    assert data["engagement_score"] >= 60 and data["fit_score"] == 80
    assert set(data["contacts"]) == {vp, manager}


async def test_an_account_with_one_persona_is_not_qualified_however_engaged(services, db):
    domain = unique_email("x").split("@")[1]
    first, second = unique_email("vp", domain=domain), unique_email("cfo", domain=domain)
    await _post(services, engagement(first, "trial_started"))
    cfo = {**FITTING, "title": "Chief Financial Officer"}
    await _post(services, engagement(second, "trial_started", attributes=cfo))
    assert (await wait_for(_member(db, second)))["persona"] == "decision_maker"
    await wait_for(_member(db, first))
    assert await db.fetchval("SELECT count(*) FROM scorer.account_qualifications WHERE account_key = $1", domain) == 0


async def test_the_account_view_counts_the_windows_accounts_and_shows_the_one_heating_up(services, db):
    domain = unique_email("x").split("@")[1]
    vp, engineer = unique_email("vp", domain=domain), unique_email("eng", domain=domain)
    await _post(services, engagement(vp, "trial_started", occurred_at="2020-07-10T10:00:00+00:00"))
    await wait_for(_member(db, vp))
    await _post(services, engagement(engineer, "trial_started", occurred_at="2020-07-10T11:00:00+00:00",
                                     attributes={**FITTING, "title": "Software Engineer"}))
    await wait_for(lambda: db.fetchval("SELECT 1 FROM scorer.account_qualifications WHERE account_key = $1", domain))
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{services.scorer_url}/v1/funnel/accounts", headers=services.auth, params={
            "since": "2020-07-06T00:00:00+00:00", "until": "2020-07-13T00:00:00+00:00"})
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["engaged"], view["sales_ready"], view["routed"], view["won"]) == (1, 1, 0, 0)
    heating = view["heating_up"][0]
    assert (heating["account_key"], heating["contacts"], heating["personas"]) == (
        domain, 2, ["decision_maker", "technical_evaluator"])
    assert heating["rise"] == heating["engagement"] > 70  # all of it gained in the window: 80, decayed a little


async def test_the_router_routes_a_sales_ready_account_as_one_lead_with_one_sla(stack, services, db):
    domain = unique_email("x").split("@")[1]
    vp, manager = unique_email("vp", domain=domain), unique_email("manager", domain=domain)
    await _post(services, engagement(vp, "trial_started"))
    await wait_for(_member(db, vp))
    await _post(services, engagement(manager, "trial_started", attributes={**FITTING, "title": "Account Executive"}))
    key = f"account:{domain}".encode()
    records = await read_until(stack.bootstrap, stack.topic(Topic.ROUTED), lambda rs: [r for r in rs if r.key == key])
    routed = body(next(r for r in records if r.key == key))["data"]
    assert (routed["lead_key"], routed["rep_id"], routed["tier"]) == (f"account:{domain}", "rep-solo", "hot")
    assert routed["sla_due_at"] is not None
    stored = await db.fetchrow("SELECT qualification FROM router.assignments WHERE lead_key = $1", f"account:{domain}")
    assert set(stored["qualification"]["attributes"]["contacts"]) == {vp, manager}


async def test_the_dashboard_shows_a_sales_ready_account_with_its_personas_and_rep(stack, services, db):
    domain = unique_email("x").split("@")[1]
    vp, analyst = unique_email("vp", domain=domain), unique_email("analyst", domain=domain)
    await _post(services, engagement(vp, "trial_started"))
    await wait_for(_member(db, vp))
    await _post(services, engagement(analyst, "trial_started", attributes={**FITTING, "title": "Operations Analyst"}))
    await wait_for(lambda: db.fetchval("SELECT 1 FROM router.assignments WHERE lead_key = $1", f"account:{domain}"))
    async with httpx.AsyncClient(base_url=services.router_url, headers={"origin": services.router_url}) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        html = (await client.get("/ui/")).text
    row = html.split(f'data-account="{domain}"', 1)[1].split("</tr>", 1)[0]
    assert "decision_maker, technical_evaluator" in row and "rep-solo" in row
    assert 'data-testid="accounts-sales-ready"' in html


async def _dashboard(services) -> str:
    async with httpx.AsyncClient(base_url=services.router_url, headers={"origin": services.router_url}) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        return (await client.get("/ui/")).text


async def test_the_dashboard_lists_an_account_heating_up_this_week_with_its_personas(services, db):
    domain = unique_email("x").split("@")[1]
    now = datetime.now(UTC)
    # Forty strong signals this week: a rise no other test's account comes near, so it ranks in the ten.
    signals = [{"account": domain, "topic": "CRM software", "strength": 95, "provider": "bombora",
                "observed_at": (now - timedelta(minutes=i + 1)).isoformat()} for i in range(40)]
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/intent", content=orjson.dumps(signals),
                                     headers={**services.auth, "content-type": "application/json"})
    assert response.status_code == 202, response.text
    vp = unique_email("vp", domain=domain)
    await _post(services, engagement(vp, "trial_started"))
    await wait_for(_member(db, vp))

    async def listed():  # the scorer refreshes the list every 2 s in the tests
        html = await _dashboard(services)
        if f'data-testid="heating-account" data-account="{domain}"' in html:
            row = html.split(f'data-account="{domain}"')[-1].split("</tr>", 1)[0]
            return "decision_maker" in row and row
    row = await wait_for(listed)
    assert '<td data-field="contacts">1</td>' in row and '<td data-field="rise">+' in row
