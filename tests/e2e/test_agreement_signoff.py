"""Versions of the agreement and their joint sign-off, through the running scorer."""

import httpx
import pytest

from tests.support.agreements import EXAMPLE, example_document, role_key


@pytest.fixture(scope="module")
async def keys(services) -> dict[str, dict]:
    return {role: await role_key(services, role) for role in ("marketing", "sales", "ops")}


@pytest.fixture
async def scorer(services):
    async with httpx.AsyncClient(base_url=services.scorer_url) as client:
        yield client


async def _draft(scorer, keys, document=None) -> int:
    response = await scorer.post("/v1/agreements", json=document or example_document(), headers=keys["ops"])
    assert response.status_code == 201, response.text
    return response.json()["version"]


async def test_a_draft_can_be_posted_as_yaml(scorer, keys):
    response = await scorer.post("/v1/agreements", content=EXAMPLE.read_bytes(),
                                 headers={**keys["ops"], "content-type": "application/yaml"})
    assert response.status_code == 201
    assert response.json()["status"] == "draft"
    assert response.json()["missing_approvals"] == ["marketing", "sales"]


async def test_an_invalid_agreement_is_422_naming_the_paths(scorer, keys):
    document = example_document()
    document["engagement"]["rules"][3]["points"] = "lots"
    document["fit"]["rules"][0]["when"][0]["regex"] = r"(a+)\1"  # a backreference: RE2 cannot run it
    response = await scorer.post("/v1/agreements", json=document, headers=keys["ops"])
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["fields"]}
    assert "engagement.rules[3].points" in fields
    assert any(f.startswith("fit.rules[0].when[0]") for f in fields)


async def test_an_ops_key_cannot_approve(scorer, keys):
    version = await _draft(scorer, keys)
    assert (await scorer.post(f"/v1/agreements/{version}/approvals", headers=keys["ops"])).status_code == 403


async def test_activating_without_both_approvals_is_409(scorer, keys):
    version = await _draft(scorer, keys)
    await scorer.post(f"/v1/agreements/{version}/approvals", headers=keys["marketing"])
    response = await scorer.post(f"/v1/agreements/{version}/activate", headers=keys["ops"])
    assert response.status_code == 409
    assert "sales" in response.json()["error"]["message"]


async def test_one_key_cannot_give_both_approvals(scorer, keys, services):
    version = await _draft(scorer, keys)
    first = await scorer.post(f"/v1/agreements/{version}/approvals", json={"as_role": "marketing"},
                              headers=services.auth)
    second = await scorer.post(f"/v1/agreements/{version}/approvals", json={"as_role": "sales"},
                               headers=services.auth)
    assert first.status_code == 200
    assert second.status_code == 409


async def test_editing_a_draft_drops_its_approvals(scorer, keys):
    version = await _draft(scorer, keys)
    await scorer.post(f"/v1/agreements/{version}/approvals", headers=keys["marketing"])
    edited = example_document() | {"description": "tighter"}
    response = await scorer.put(f"/v1/agreements/{version}", json=edited, headers=keys["ops"])
    assert response.status_code == 200
    assert response.json()["approvals"] == {}


async def test_the_diff_names_what_changed(scorer, keys):
    document = example_document()
    document["sales_ready"]["tiers"][1]["min_engagement"] = 55
    version = await _draft(scorer, keys, document)
    response = await scorer.get(f"/v1/agreements/{version}/diff", headers=keys["sales"])
    assert {"path": "sales_ready.tiers[1].min_engagement", "before": 40.0, "after": 55.0} in response.json()


async def test_the_history_says_who_approved_and_activated_what(scorer, keys):
    version = await _draft(scorer, keys)
    for role in ("marketing", "sales"):
        await scorer.post(f"/v1/agreements/{version}/approvals", headers=keys[role])
    # Activating this copy of the example changes no behaviour for the other tests.
    await scorer.post(f"/v1/agreements/{version}/activate", headers=keys["ops"])
    history = (await scorer.get(f"/v1/agreements/{version}/history", headers=keys["marketing"])).json()
    assert [(h["action"], h["role"]) for h in history] == [
        ("created", "ops"), ("approved", "marketing"), ("approved", "sales"), ("activated", "ops")]
