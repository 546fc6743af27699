"""A backtest of the active version reproduces what the live scorer decided, account engagement included.

Engagement is posted to the running scorer one event per request, in event time, each scored before
the next is sent (so live batches follow event time, as the backtest's single pass does); then the
active version is backtested over the window and its qualifications are compared with the live ones.
"""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import orjson

from schemas.topics import Topic
from services.shared import cloudevents
from tests.e2e.test_backtest import run_backtest
from tests.support.agreements import role_key
from tests.support.events import FITTING, engagement, unique_email
from tests.support.kafka import body, read_until, wait_for

SINCE = datetime(2021, 5, 3, tzinfo=UTC)  # no other test has engagement in this window
UNTIL = SINCE + timedelta(days=1)


def _h(hours: float) -> datetime:
    return SINCE + timedelta(hours=hours)


async def _post_scored(services, db, event: dict) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(event),
                                     headers={**services.auth, "content-type": cloudevents.STRUCTURED_CONTENT_TYPE})
        assert response.status_code == 202, response.text
    key, at = event["data"]["email"].lower(), datetime.fromisoformat(event["data"]["occurred_at"])

    async def scored():
        return await db.fetchval("SELECT scored_at >= $2 FROM scorer.lead_scores WHERE lead_key = $1", key, at)

    assert await wait_for(scored), f"{key} not scored at {at}"


async def test_a_backtest_of_the_active_version_qualifies_as_the_live_scorer_did(stack, services, db):
    company = f"acme-{uuid.uuid4().hex[:10]}.com"
    ada, bob = unique_email("ada", company), unique_email("bob", company)  # one account; the others each their own
    carl, dora, eve, frank = (unique_email(n) for n in ("carl", "dora", "eve", "frank"))
    pricing = "https://a.example/pricing"
    history = [
        (frank, "demo_request", SINCE - timedelta(days=2), {}),  # qualified live before the window
        (ada, "webinar_attended", SINCE - timedelta(days=1), {}),  # 15, before the window: it still counts
        (ada, "form_submit", _h(1), {"form": "Contact us"}),  # + 30 ≈ 44.6: warm
        (carl, "demo_request", _h(2), {"source": "hubspot", "campaign": "spring"}),  # hot by fast track
        (bob, "webinar_attended", _h(3), {}),  # 15 + half of Ada's ≈ 44.6: 37.3, not yet
        (bob, "content_download", _h(4), {}),  # 23 + 22.3 ≥ 40: warm, by his account alone
        (dora, "page_view", _h(5), {"url": pricing}),
        (dora, "page_view", _h(6), {"url": pricing}),  # 20: never
        (eve, "demo_request", _h(7), {"attributes": {**FITTING, "title": "Student"}}),  # disqualified
        (frank, "page_view", _h(8), {}),  # qualified already: not again
        (carl, "page_view", _h(9), {}),
    ]
    for email, activity, at, extra in history:
        await _post_scored(services, db, engagement(email, activity, occurred_at=at.isoformat(), **extra))
    leads = [ada, bob, carl, dora, eve, frank]

    # What the live scorer decided: the qualification it emitted, and what it stored on the lead.
    records = await read_until(stack.bootstrap, stack.topic(Topic.QUALIFIED),
                               lambda rs: {ada, bob, carl, frank} <= {r.key.decode() for r in rs})
    emitted = {r.key.decode(): body(r)["data"] for r in records if r.key.decode() in leads}
    stored = {r["lead_key"]: r for r in await db.fetch(
        "SELECT lead_key, qualified_at, qualified_version FROM scorer.leads WHERE lead_key = ANY($1)", leads)}
    live = {}
    for key, data in emitted.items():
        assert stored[key]["qualified_at"] == datetime.fromisoformat(data["qualified_at"])
        assert stored[key]["qualified_version"] == data["agreement_version"]
        if SINCE <= stored[key]["qualified_at"] < UNTIL:
            live[key] = (stored[key]["qualified_at"], data["tier"], data["reason"], data["source"],
                         data.get("campaign"), data["agreement_version"])
    assert set(live) == {ada, bob, carl}  # the scenario: Bob by his account's share, Frank before the window
    bob_share = await db.fetchval("SELECT account_engagement FROM scorer.lead_scores WHERE lead_key = $1", bob)
    assert bob_share > 0

    ops = await role_key(services, "ops")
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        version = (await client.get("/v1/agreements/active", headers=ops)).json()["version"]
        report = await run_backtest(client, version, {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}, ops)

    assert report["active_version"] == version
    backtested = {q["lead_key"]: (datetime.fromisoformat(q["qualified_at"]), q["tier"], q["reason"], q["source"],
                                  q["campaign"], report["active_version"])
                  for q in report["qualifications"]["active"] if q["lead_key"] in leads}
    assert backtested == live
    draft = {q["lead_key"]: q for q in report["qualifications"]["draft"] if q["lead_key"] in leads}
    assert draft == {q["lead_key"]: q for q in report["qualifications"]["active"] if q["lead_key"] in leads}
