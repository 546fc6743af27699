"""The subscription API on the running router: create, read, change, delete, and refusals naming the field.

Subscriptions here are created inactive: the session's router must never queue events for them.
"""

import httpx
import pytest

from services.router.deliveries.domain.delivery import ROUTED


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth, timeout=10) as client:
        yield client


def _body(**overrides) -> dict:
    return {"url": "https://crm.example.com/hooks/handoff", "event_types": [ROUTED], "active": False, **overrides}


async def _create(router, **overrides) -> dict:
    response = await router.post("/v1/subscriptions", json=_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def _fields(response: httpx.Response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


async def test_a_created_subscription_shows_its_secret_once(router):
    created = await _create(router, description="CRM sync")
    assert created["secret"].startswith("whsec_")
    fetched = (await router.get(f"/v1/subscriptions/{created['subscription_id']}")).json()
    assert "secret" not in fetched
    assert fetched["description"] == "CRM sync" and fetched["active"] is False
    listed = (await router.get("/v1/subscriptions", params={"active": "false"})).json()
    assert created["subscription_id"] in [s["subscription_id"] for s in listed]


async def test_patch_changes_only_the_given_fields(router):
    created = await _create(router, description="old")
    path = f"/v1/subscriptions/{created['subscription_id']}"
    response = await router.patch(path, json={"event_types": ["handoff.lead.followup:touched", ROUTED, ROUTED]})
    assert response.status_code == 200, response.text
    assert response.json()["event_types"] == ["handoff.lead.followup:touched", ROUTED]  # repeats dropped
    assert response.json()["description"] == "old"
    assert response.json()["url"] == created["url"]


async def test_delete_removes_the_subscription_and_its_log(router):
    created = await _create(router)
    path = f"/v1/subscriptions/{created['subscription_id']}"
    assert (await router.delete(path)).status_code == 200
    assert (await router.get(path)).status_code == 404
    assert (await router.get(f"{path}/deliveries")).status_code == 404


@pytest.mark.parametrize("url", ["http://crm.example.com/hooks", "https://10.1.2.3/hooks", "https://u:p@crm.example.com/",
                                 "not a url"])
async def test_a_url_that_is_not_public_https_is_refused_naming_url(router, url):
    response = await router.post("/v1/subscriptions", json=_body(url=url))
    assert response.status_code == 422, response.text
    assert _fields(response) == ["url"]


async def test_an_unknown_event_type_or_status_is_refused_naming_event_types(router):
    response = await router.post("/v1/subscriptions", json=_body(event_types=["handoff.lead.followup:called"]))
    assert response.status_code == 422
    assert _fields(response) == ["event_types"]
    empty = await router.post("/v1/subscriptions", json=_body(event_types=[]))
    assert _fields(empty) == ["event_types"]


async def test_patch_refuses_null_for_a_required_field(router):
    created = await _create(router)
    response = await router.patch(f"/v1/subscriptions/{created['subscription_id']}", json={"url": None})
    assert response.status_code == 422
    assert _fields(response) == ["url"]


async def test_unknown_subscriptions_and_deliveries_are_404(router):
    assert (await router.patch("/v1/subscriptions/sub_nope", json={"active": False})).status_code == 404
    assert (await router.post("/v1/subscriptions/sub_nope/replay")).status_code == 404
    created = await _create(router)
    replay = await router.post(f"/v1/subscriptions/{created['subscription_id']}/deliveries/msg_nope/replay")
    assert replay.status_code == 404


async def test_only_ops_and_admin_manage_subscriptions(router, services):
    key = await router.post("/v1/keys", json={"name": "sales-sub-test", "role": "sales"})
    assert key.status_code == 201, key.text
    sales = {"Authorization": f"Bearer {key.json()['key']}"}
    assert (await router.get("/v1/subscriptions", headers=sales)).status_code == 403
    assert (await router.post("/v1/subscriptions", json=_body(), headers=sales)).status_code == 403


async def test_a_crm_connectors_subscription_is_changed_only_through_its_connector(router):
    response = await router.put("/v1/connectors/salesforce", json={"active": False})
    assert response.status_code == 200, response.text
    subscription_id = response.json()["subscription_id"]
    for response in (await router.patch(f"/v1/subscriptions/{subscription_id}", json={"url": "https://elsewhere.example/"}),
                     await router.delete(f"/v1/subscriptions/{subscription_id}")):
        assert response.status_code == 409, response.text
        assert _fields(response) == ["subscription_id"] and "PUT /v1/connectors/salesforce" in response.text
    assert (await router.get(f"/v1/subscriptions/{subscription_id}")).json()["connector"] == "salesforce"
