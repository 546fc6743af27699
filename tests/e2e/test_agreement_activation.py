"""An activation reaches every running scorer process within seconds, without a restart."""

import httpx
import orjson
import pytest

from schemas.topics import Topic
from tests.support.agreements import activate, example_document, role_key
from tests.support.events import engagement, unique_email
from tests.support.kafka import body, read_until, wait_for


@pytest.fixture
async def second_scorer(services, start_extra):
    """Another scorer process in the same consumer group."""
    return await start_extra("scorer")


@pytest.fixture
async def keys(services):
    return {role: await role_key(services, role) for role in ("marketing", "sales", "ops")}


async def _loaded_version(url: str) -> int | None:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{url}/healthz")).json().get("agreement_version")


async def test_both_scorers_and_the_router_switch_to_a_new_version_and_score_with_it(stack, services, second_scorer,
                                                                                      keys):
    generous = example_document()
    generous["name"] = "Every page view is sales-ready"
    generous["engagement"]["rules"] = [{"id": "any_page", "activity": "page_view", "points": 100}]
    version = await activate(services, generous, keys)
    try:
        for url in (services.scorer_url, second_scorer.url, services.router_url):
            await wait_for(lambda url=url: _lead_version_is(url, version), timeout=10)
        emails = [unique_email("switch") for _ in range(24)]  # spread over partitions of both processes
        async with httpx.AsyncClient() as client:
            batch = [engagement(e, "page_view") for e in emails]
            response = await client.post(f"{services.scorer_url}/v1/events", content=orjson.dumps(batch),
                                         headers={**services.auth,
                                                  "content-type": "application/cloudevents-batch+json"})
            assert response.status_code == 202
        wanted = {e.encode() for e in emails}
        records = await read_until(stack.bootstrap, stack.topic(Topic.QUALIFIED),
                                   lambda rs: wanted <= {r.key for r in rs})
        versions = {body(r)["data"]["agreement_version"] for r in records if r.key in wanted}
        assert versions == {version}
    finally:
        await activate(services, example_document(), keys)  # the other tests expect the example


async def _lead_version_is(url: str, version: int) -> bool:
    return await _loaded_version(url) == version
