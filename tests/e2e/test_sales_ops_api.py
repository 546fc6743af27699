"""Reps, pools, accounts and routing rules through the running router, versioned and audited.

Every test uses ids of its own; pool `default` and rep `rep-solo` are never touched, and every
stored rule set keeps the built-in behaviour for other leads (account owners, then `default`).
"""

import uuid

import httpx
import pytest

from services.router.routing.domain.rules import RuleSet

HEADER = "rep_id,name,email,team,manager_id,time_zone,max_open,max_new_per_day,active\n"
CSV = "text/csv"


async def _key(services, role: str) -> tuple[str, dict[str, str]]:
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/v1/keys", json={"name": f"sales ops {role}", "role": role},
                                     headers=services.auth)
    assert response.status_code == 201, response.text
    return response.json()["key_id"], {"authorization": f"Bearer {response.json()['key']}"}


@pytest.fixture(scope="module")
async def keys(services) -> dict[str, tuple[str, dict]]:
    return {role: await _key(services, role) for role in ("ops", "sales")}


@pytest.fixture
def ops(keys) -> dict[str, str]:
    return keys["ops"][1]


@pytest.fixture
async def router(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        yield client


def _tag() -> str:
    return uuid.uuid4().hex[:8]


async def _rep(router, ops, rep_id: str, **fields) -> dict:
    response = await router.post("/v1/reps", json={"rep_id": rep_id, "name": rep_id, **fields}, headers=ops)
    assert response.status_code == 201, response.text
    return response.json()


def _fields(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def _rules(tag: str, pool_id: str, **overrides) -> list[dict]:
    """Account owners, a rule no other test's lead can match, then everything else to `default`."""
    mine = {"id": "sales_ops", "when": [{"field": "source", "equals": f"sales-ops-{tag}"}],
            "target_pool": pool_id, **overrides}
    return [{"id": "account_owner", "kind": "account_owner"}, mine,
            {"id": "catch_all", "when": [], "target_pool": "default"}]


async def test_a_rep_is_created_read_replaced_and_deactivated_with_versions_and_audit_rows(router, ops, keys, db):
    rep_id = f"so-{_tag()}"
    created = await _rep(router, ops, rep_id, email="ada@example.com", time_zone="Europe/Berlin",
                         working_hours={"days": [0, 1, 2], "start": "08:30", "end": "16:00",
                                        "holidays": ["2030-12-25"]},
                         out_of_office=[{"starts_at": "2030-08-01T00:00:00Z", "ends_at": "2030-08-15T00:00:00Z"}],
                         capacity={"max_open": 20, "max_new_per_day": 5})
    assert created["version"] == 1 and created["working_hours"]["start"] == "08:30"
    assert (await router.get(f"/v1/reps/{rep_id}", headers=ops)).json() == created

    replaced = await router.put(f"/v1/reps/{rep_id}", headers=ops, json={
        "name": "Ada L.", "time_zone": "Europe/London", "capacity": {"max_open": 10},
        "out_of_office": [{"starts_at": "2030-09-01T00:00:00+02:00", "ends_at": "2030-09-02T00:00:00+02:00"}]})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["version"], replaced.json()["capacity"]) == (2, {"max_open": 10, "max_new_per_day": None})
    periods = await db.fetch("SELECT starts_at FROM router.out_of_office WHERE rep_id = $1", rep_id)
    assert [p["starts_at"].isoformat() for p in periods] == ["2030-08-31T22:00:00+00:00"]

    deactivated = await router.delete(f"/v1/reps/{rep_id}", headers=ops)
    assert (deactivated.json()["active"], deactivated.json()["version"]) == (False, 3)
    audit = (await router.get("/v1/audit", params={"entity": "rep", "entity_id": rep_id}, headers=ops)).json()
    assert [(a["action"], a["version"], a["key_id"]) for a in audit] == [
        ("deactivated", 3, keys["ops"][0]), ("updated", 2, keys["ops"][0]), ("created", 1, keys["ops"][0])]
    assert audit[0]["after"] == deactivated.json()


async def test_creating_a_rep_twice_is_409(router, ops):
    rep_id = f"so-{_tag()}"
    await _rep(router, ops, rep_id)
    response = await router.post("/v1/reps", json={"rep_id": rep_id, "name": "again"}, headers=ops)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


async def test_an_unknown_time_zone_is_422_naming_the_field(router, ops):
    response = await router.post("/v1/reps", json={"rep_id": f"so-{_tag()}", "name": "X",
                                                   "time_zone": "Mars/Olympus"}, headers=ops)
    assert response.status_code == 422
    assert _fields(response) == ["time_zone"]


async def test_an_unknown_manager_is_422_naming_manager_id(router, ops):
    response = await router.post("/v1/reps", json={"rep_id": f"so-{_tag()}", "name": "X",
                                                   "manager_id": f"ghost-{_tag()}"}, headers=ops)
    assert response.status_code == 422
    assert _fields(response) == ["manager_id"]


async def test_replacing_a_rep_that_does_not_exist_is_404(router, ops):
    response = await router.put(f"/v1/reps/so-{_tag()}", json={"name": "Nobody"}, headers=ops)
    assert response.status_code == 404


async def test_an_import_with_one_bad_row_imports_nothing_and_names_its_line(router, ops):
    a, b = f"so-{_tag()}", f"so-{_tag()}"
    csv = HEADER + f"{a},Ann,ann@example.com,emea,,Europe/Berlin,10,3,true\n{b},Bob,,,{a},Mars/Olympus,,,\n"
    response = await router.post("/v1/reps/import", content=csv, headers={**ops, "content-type": CSV})
    assert response.status_code == 422
    assert _fields(response) == ["line 3: time_zone"]
    assert (await router.get(f"/v1/reps/{a}", headers=ops)).status_code == 404


async def test_a_partial_import_keeps_the_good_rows_and_returns_the_bad_ones(router, ops):
    a, b, c = (f"so-{_tag()}" for _ in range(3))
    csv = HEADER + f"{a},Ann,,,,UTC,,,\n{b},Bob,,,,Mars/Olympus,,,\n{c},Cy,,,{a},UTC,,,false\n"
    response = await router.post("/v1/reps/import", params={"partial": "true"}, content=csv,
                                 headers={**ops, "content-type": CSV})
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2
    assert [(r["line"], r["id"]) for r in response.json()["rejected"]] == [(3, b)]
    imported = (await router.get(f"/v1/reps/{c}", headers=ops)).json()
    assert (imported["manager_id"], imported["active"]) == (a, False)


async def test_a_json_import_names_the_bad_row_by_index(router, ops):
    rows = [{"rep_id": f"so-{_tag()}", "name": "Ann"}, {"rep_id": f"so-{_tag()}", "name": "Bob",
                                                        "capacity": {"max_open": -1}}]
    response = await router.post("/v1/reps/import", json=rows, headers=ops)
    assert response.status_code == 422
    assert _fields(response) == ["[1].capacity.max_open"]


async def test_a_pool_naming_an_unknown_rep_is_422_naming_the_member(router, ops):
    ghost = f"ghost-{_tag()}"
    response = await router.put(f"/v1/pools/so-{_tag()}", json={"name": "P", "members": {ghost: 1}}, headers=ops)
    assert response.status_code == 422
    assert _fields(response) == [f"members.{ghost}"]


async def test_a_new_pool_member_starts_at_the_pools_virtual_time(router, ops, db):
    pool_id, a, b = f"so-{_tag()}", f"so-{_tag()}", f"so-{_tag()}"
    for rep_id in (a, b):
        await _rep(router, ops, rep_id)
    created = await router.put(f"/v1/pools/{pool_id}", json={"name": "P", "members": {a: 1}}, headers=ops)
    assert created.status_code == 201
    # As if routing had given `a` five leads already.
    await db.execute("UPDATE router.pools SET virtual_time = 4 WHERE pool_id = $1", pool_id)
    await db.execute("UPDATE router.pool_members SET pass_value = 5 WHERE pool_id = $1", pool_id)
    response = await router.put(f"/v1/pools/{pool_id}", json={"name": "P", "members": {a: 1, b: 2}}, headers=ops)
    assert response.status_code == 200
    pool = (await router.get(f"/v1/pools/{pool_id}", headers=ops)).json()
    assert (pool["version"], pool["virtual_time"]) == (2, 4)
    members = {m["rep_id"]: (m["weight"], m["pass_value"]) for m in pool["members"]}
    assert members == {a: (1, 5), b: (2, 4)}  # `a` keeps its pass; `b` joins level, with no burst


async def test_account_domains_are_stored_as_registrable_domains(router, ops):
    account_id, rep_id = f"so-{_tag()}", f"so-{_tag()}"
    await _rep(router, ops, rep_id)
    domain = f"acme-{_tag()}.co.uk"
    response = await router.put(f"/v1/accounts/{account_id}", headers=ops, json={
        "name": "Acme", "owner_rep_id": rep_id, "domains": [f"https://www.{domain}/x", f"ceo@{domain}"]})
    assert response.status_code == 201, response.text
    assert response.json()["domains"] == [domain]
    assert (await router.get(f"/v1/accounts/{account_id}", headers=ops)).json() == response.json()


async def test_a_domain_of_another_account_is_409_naming_it(router, ops):
    domain = f"taken-{_tag()}.com"
    first = await router.put(f"/v1/accounts/so-{_tag()}", json={"name": "A", "domains": [domain]}, headers=ops)
    assert first.status_code == 201
    response = await router.put(f"/v1/accounts/so-{_tag()}", json={"name": "B", "domains": [f"www.{domain}"]},
                                headers=ops)
    assert response.status_code == 409
    assert _fields(response) == ["domains[0]"]
    assert domain in response.json()["error"]["fields"][0]["message"]


async def test_an_account_import_rejects_a_row_with_an_unknown_owner(router, ops):
    a, b, domain = f"so-{_tag()}", f"so-{_tag()}", f"imp-{_tag()}.com"
    csv = (f"account_id,name,owner_rep_id,key_account,domains\n{a},A,,true,www.{domain};{domain}\n"
           f"{b},B,ghost-{_tag()},,\n")
    response = await router.post("/v1/accounts/import", params={"partial": "true"}, content=csv,
                                 headers={**ops, "content-type": CSV})
    assert response.status_code == 200, response.text
    assert [f["field"] for r in response.json()["rejected"] for f in r["fields"]] == ["line 3: owner_rep_id"]
    assert (await router.get(f"/v1/accounts/{a}", headers=ops)).json()["domains"] == [domain]


async def test_a_rule_set_naming_an_unknown_pool_is_422_with_its_path(router, ops):
    tag = _tag()
    response = await router.put("/v1/routing/rules", json={"rules": _rules(tag, f"ghost-{tag}")}, headers=ops)
    assert response.status_code == 422
    assert _fields(response) == ["rules[1].target_pool"]


async def test_a_regex_the_linear_engine_cannot_run_is_422_with_its_path(router, ops):
    tag = _tag()
    rules = _rules(tag, "default", when=[{"field": "title", "regex": r"(?=a)(a+)\1"}])
    response = await router.put("/v1/routing/rules", json={"rules": rules}, headers=ops)
    assert response.status_code == 422
    assert _fields(response) == ["rules[1].when[0].regex"]


async def test_a_rule_set_that_can_route_nowhere_is_refused(router, ops):
    before = (await router.get("/v1/routing/rules", headers=ops)).json().get("version")
    rules = _rules(_tag(), "default")[:-1]  # no catch-all
    response = await router.put("/v1/routing/rules", json={"rules": rules}, headers=ops)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert _fields(response) == ["rules"]
    assert (await router.get("/v1/routing/rules", headers=ops)).json().get("version") == before


async def test_gaps_are_stored_as_warnings_when_allowed(router, ops):
    tag = _tag()
    empty = await router.put(f"/v1/pools/so-{tag}", json={"name": "Empty"}, headers=ops)
    assert empty.status_code == 201
    body = {"rules": _rules(tag, f"so-{tag}")}
    assert (await router.put("/v1/routing/rules", json=body, headers=ops)).status_code == 422
    response = await router.put("/v1/routing/rules", params={"allow_gaps": "true"}, json=body, headers=ops)
    assert response.status_code == 200, response.text
    assert [w["field"] for w in response.json()["warnings"]] == ["rules[1].target_pool"]


async def test_a_valid_rule_set_is_stored_versioned_and_returned(router, ops, keys):
    tag, rep_id = _tag(), f"so-{_tag()}"
    await _rep(router, ops, rep_id)
    await router.put(f"/v1/pools/so-{tag}", json={"name": "P", "members": {rep_id: 1}}, headers=ops)
    rules = _rules(tag, f"so-{tag}", when=[{"field": "source", "in": [f"sales-ops-{tag}"]}])
    stored = await router.put("/v1/routing/rules", json={"rules": rules}, headers=ops)
    assert stored.status_code == 200, stored.text
    assert stored.json()["warnings"] == []
    current = (await router.get("/v1/routing/rules", headers=keys["sales"][1])).json()
    assert (current["version"], current["created_by"]) == (stored.json()["version"], keys["ops"][0])
    # What is stored reads back as the very rule set that was sent ("in" keeps its name).
    assert RuleSet.model_validate({"rules": current["rules"]}) == RuleSet.model_validate({"rules": rules})
    audit = (await router.get("/v1/audit", params={"entity": "rule_set", "entity_id": str(current["version"])},
                              headers=ops)).json()
    assert [(a["action"], a["after"]["rules"]) for a in audit] == [("created", current["rules"])]


async def test_a_sales_key_can_read_but_not_write(router, ops, keys):
    sales = keys["sales"][1]
    rep_id = f"so-{_tag()}"
    await _rep(router, ops, rep_id)
    assert (await router.get(f"/v1/reps/{rep_id}", headers=sales)).status_code == 200
    assert (await router.get("/v1/pools", headers=sales)).status_code == 200
    assert (await router.put(f"/v1/reps/{rep_id}", json={"name": "X"}, headers=sales)).status_code == 403
    assert (await router.put(f"/v1/pools/so-{_tag()}", json={"name": "X"}, headers=sales)).status_code == 403
    assert (await router.get("/v1/audit", headers=sales)).status_code == 403
