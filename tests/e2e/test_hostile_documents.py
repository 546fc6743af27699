"""Ops documents and parameters that could not be stored or would stall a service are refused (#18).

Through the running services: the bad value is refused with a 4xx naming the field in the JSON
body, nothing is stored or produced, and the service is still ready afterwards.
"""

import json

import httpx
import pytest

from schemas.topics import Topic
from tests.support.agreements import EXAMPLE, example_document
from tests.support.kafka import end_offsets

YAML = {"content-type": "application/yaml"}
JSON = {"content-type": "application/json"}


def _fields(response: httpx.Response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


@pytest.fixture
async def scorer(services):
    async with httpx.AsyncClient(base_url=services.scorer_url, headers=services.auth, timeout=30) as client:
        yield client


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth, timeout=30) as client:
        yield client


@pytest.fixture
async def no_new_versions(scorer):
    """Asserts after the test that no agreement version was stored."""
    before = len((await scorer.get("/v1/agreements")).json())
    yield
    assert len((await scorer.get("/v1/agreements")).json()) == before


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
async def test_a_non_finite_yaml_number_in_an_agreement_is_422_naming_the_field(scorer, no_new_versions, value):
    text = EXAMPLE.read_text()
    first = text.index("points:")
    text = text[:first] + f"points: {value}" + text[text.index("\n", first):]
    response = await scorer.post("/v1/agreements", content=text, headers=YAML)
    assert response.status_code == 422
    assert _fields(response) == ["fit.rules[0].points"]
    assert await _ready(scorer)


async def test_a_non_finite_json_number_in_an_agreement_is_422_naming_the_field(scorer, no_new_versions):
    document = example_document()
    document["engagement"]["half_life_days"] = float("nan")
    response = await scorer.post("/v1/agreements", content=json.dumps(document), headers=JSON)
    assert (response.status_code, _fields(response)) == (422, ["engagement.half_life_days"])


async def test_a_deeply_nested_yaml_agreement_is_refused_and_the_scorer_stays_ready(scorer, no_new_versions):
    text = "name: deep\nfit: " + "[" * 10_000 + "]" * 10_000 + "\n"  # 20 KB; took the scorer 29.5 s before
    response = await scorer.post("/v1/agreements", content=text, headers=YAML)
    assert response.status_code == 422
    assert _fields(response) == ["(document)"] and "nest" in response.text
    assert await _ready(scorer)


async def test_a_regex_that_backtracks_elsewhere_is_accepted_in_a_draft(scorer):
    document = example_document()
    document["fit"]["rules"][0]["when"] = [{"field": "title", "regex": "(a|a)*$"}]  # exponential when backtracking
    response = await scorer.post("/v1/agreements", json=document)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "99999999d"}, "since"),
    ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
    ({"since": "30d", "until": "9999-12-31T23:00:00-05:00"}, "until"),
])
async def test_a_backtest_window_out_of_range_is_422_naming_the_field(scorer, params, field):
    version = (await scorer.get("/v1/agreements/active")).json()["version"]
    response = await scorer.post(f"/v1/agreements/{version}/backtest", params=params)
    assert (response.status_code, _fields(response)) == (422, [field])
    assert await _ready(scorer)


async def test_a_non_finite_number_in_a_routing_rule_is_422_naming_the_field(router):
    before = (await router.get("/v1/routing/rules")).json().get("version")
    body = ('{"rules": [{"id": "nan-rule", "when": [{"field": "employees", "range": {"gte": NaN}}],'
            ' "target_pool": "default"}, {"id": "rest", "target_pool": "default"}]}')
    response = await router.put("/v1/routing/rules", content=body, headers=JSON)
    assert (response.status_code, _fields(response)) == (422, ["rules[0].when[0].range.gte"])
    assert (await router.get("/v1/routing/rules")).json().get("version") == before
    assert await _ready(router)


async def test_a_non_finite_number_in_a_rep_import_is_422_naming_the_row_and_field(router):
    body = '[{"rep_id": "nan-rep", "name": "Nan", "capacity": {"max_open": Infinity}}]'
    response = await router.post("/v1/reps/import", content=body, headers=JSON)
    assert (response.status_code, _fields(response)) == (422, ["[0].capacity.max_open"])
    assert (await router.get("/v1/reps/nan-rep")).status_code == 404


async def test_a_deeply_nested_rep_import_is_400_and_the_router_stays_ready(router):
    response = await router.post("/v1/reps/import", content="[" * 100_000 + "]" * 100_000, headers=JSON)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed")
    assert await _ready(router)


async def test_a_long_chain_of_managers_is_checked_whole_each_rep_refused_by_name(router, stack):
    # 5,000 reps, each managed by the one before; the first names an unknown manager, so all are refused.
    rows = [{"rep_id": f"chain-{i}", "name": f"Chain {i}", "manager_id": f"chain-{i - 1}" if i else "ghost"}
            for i in range(5_000)]
    topic_before = await end_offsets(stack.bootstrap, stack.topic(Topic.FOLLOWUP))
    response = await router.post("/v1/reps/import", json=rows)
    assert response.status_code == 422
    assert len(_fields(response)) == 5_000
    assert await end_offsets(stack.bootstrap, stack.topic(Topic.FOLLOWUP)) == topic_before
