"""The weekly review published: on Monday morning by the router's job and again on demand, as a signed
`handoff.review.published` delivery to the subscriptions that ask for it and as a short summary to a
Slack-compatible incoming webhook (a local receiver); the page and its PDF for signed-in readers."""

import asyncio
from datetime import UTC, datetime, time

import asyncpg
import httpx
import orjson
import pytest

from services.router.config import RouterSettings
from services.router.reporting.domain.review import due_review, week_label
from services.router.reporting.review_publishing import publish_review
from services.shared.db import init_connection
from tests.e2e.test_outbound_delivery import _subscribe, _verify
from tests.support.isolated import isolated_services
from tests.support.receiver import Receiver
from tests.support.stack import TEST_ADMIN_KEY

AUTH = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
LINKS = "https://handoff.example"


@pytest.fixture(scope="module")
async def receiver():
    server = await Receiver().start()
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def world(stack, receiver):
    env = {"HANDOFF_DELIVERY_ALLOW_HTTP_LOCALHOST": "true", "HANDOFF_DELIVERY_POLL_S": "0.2",
           "HANDOFF_REVIEW_SLACK_WEBHOOK_URL": receiver.url("/slack"), "HANDOFF_PUBLIC_BASE_URL": LINKS,
           "HANDOFF_REVIEW_CHECK_S": "1"}  # the job's check, which also posts what the chat refused
    async with isolated_services(stack.settings, "review", env, datetime.now(UTC)) as iso:
        yield iso


@pytest.fixture
async def router(world):
    async with httpx.AsyncClient(base_url=world.router_url, headers=AUTH, timeout=60) as client:
        yield client


async def _arrived(receiver: Receiver, path: str, week: str, timeout_s: float = 20) -> dict:
    async def wait() -> dict:
        while True:
            for r in receiver.at(path):
                body = orjson.loads(r.body)
                if week in (body.get("text") or body.get("data", {}).get("week", "")):
                    return {"request": r, "body": body}
            await asyncio.sleep(0.1)
    return await asyncio.wait_for(wait(), timeout_s)


async def test_on_start_after_monday_morning_the_job_publishes_last_weeks_review_to_the_chat(world, receiver):
    due = week_label(due_review(datetime.now(UTC), "Europe/Berlin", time(9, 0)))
    slack = await _arrived(receiver, "/slack", f"Weekly review {due}:")
    assert f"{LINKS}/ui/reviews/{due}" in slack["body"]["text"]


async def test_publishing_again_sends_the_signed_event_to_each_subscription_and_the_summary(world, receiver, router):
    sub = await _subscribe(router, receiver.url("/reviews"), "handoff.review.published")
    response = await router.post("/v1/reviews/2015-W10/publish")
    assert response.status_code == 200, response.text
    assert (response.json()["deliveries"], response.json()["chat"]) == (1, True)
    delivered = await _arrived(receiver, "/reviews", "2015-W10")
    _verify(sub["secret"], delivered["request"])
    event = delivered["body"]
    assert (event["type"], event["subject"], event["data"]["currency"]) == ("handoff.review.published", "2015-W10",
                                                                            "EUR")
    assert event["data"]["pdf_url"] == f"{LINKS}/ui/reviews/2015-W10.pdf"
    assert event["data"]["summary"] == (await _arrived(receiver, "/slack", "2015-W10"))["body"]["text"]


async def test_a_summary_the_chat_refused_is_posted_again_by_the_job(world, receiver, router):
    refused_at = len(receiver.at("/slack")) + 1
    receiver.scripts["/slack"] = lambda n: 500 if n == refused_at else 204  # the next one only
    try:
        response = await router.post("/v1/reviews/2015-W11/publish")
        assert response.status_code == 200, response.text
        assert response.json()["chat"] is False

        async def taken() -> list:
            while not (posts := [r for r in receiver.at("/slack") if "2015-W11" in r.body and r.answer == 204]):
                await asyncio.sleep(0.1)
            return posts
        assert len(await asyncio.wait_for(taken(), 20)) == 1
    finally:
        receiver.scripts.pop("/slack")
    assert [r.answer for r in receiver.at("/slack") if "2015-W11" in r.body] == [500, 204]


async def test_the_job_publishes_a_week_once_however_many_routers_look(world):
    settings = RouterSettings(database_url=world.settings.database_url)
    pool = await asyncpg.create_pool(world.settings.database_url, min_size=1, max_size=4, init=init_connection)
    queued: list[str] = []

    async def publish(conn, event) -> int:
        queued.append(event.id)
        return 0

    try:
        monday = datetime(2015, 3, 16).date()
        first, second = [await publish_review(pool, None, monday, settings, datetime.now(UTC), publish, again=False)
                         for _ in range(2)]
    finally:
        await pool.close()
    assert first is not None and second is None and len(queued) == 1


async def test_the_review_page_and_its_pdf_need_a_reader(world):
    async with httpx.AsyncClient(base_url=world.router_url, timeout=60) as client:
        refused = await client.get("/ui/reviews/2015-W10")
        assert refused.status_code == 401 and 'action="/ui/login"' in refused.text
        page = await client.get("/ui/reviews/2015-W10", headers=AUTH)
        assert page.status_code == 200 and "Weekly review 2015-W10" in page.text
        assert "content-security-policy" in page.headers
        pdf = await client.get("/ui/reviews/2015-W10.pdf", headers=AUTH)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")


async def test_a_week_that_does_not_exist_is_422_naming_it(router):
    response = await router.post("/v1/reviews/2015-W99/publish")
    assert response.status_code == 422 and [f["field"] for f in response.json()["error"]["fields"]] == ["week"]
