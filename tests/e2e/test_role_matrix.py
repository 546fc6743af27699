"""Every route of both services against every role: who gets in, who gets 403, who gets 401.

The table is the specification. A route missing from it fails the coverage test, so a new
endpoint cannot ship without saying who may call it. Signed webhooks are checked by their
signatures instead (their own tests) and are listed as such.
"""

import re

import httpx
import pytest

from tests.support.agreements import role_key

ROLES = ("marketing", "sales", "ops", "admin")
READ = frozenset({"marketing", "sales", "ops", "admin"})
OPS = frozenset({"ops", "admin"})
ADMIN = frozenset({"admin"})
PUBLIC = "public"  # health, metrics, docs
SIGNED = "signed"  # webhooks: a signature, not a key

ACCESS: dict[tuple[str, str, str], frozenset[str] | str] = {
    # both services
    **{(svc, "GET", p): PUBLIC for svc in ("scorer", "router") for p in ("/healthz", "/readyz", "/metrics")},
    **{(svc, m, p): ADMIN for svc in ("scorer", "router")
       for m, p in (("GET", "/v1/keys"), ("POST", "/v1/keys"), ("DELETE", "/v1/keys/{key_id}"))},
    # scorer
    ("scorer", "POST", "/v1/events"): frozenset({"marketing", "ops", "admin"}),
    ("scorer", "GET", "/v1/agreements"): READ,
    ("scorer", "POST", "/v1/agreements"): OPS,
    ("scorer", "GET", "/v1/agreements/active"): READ,
    ("scorer", "GET", "/v1/agreements/{version}"): READ,
    ("scorer", "PUT", "/v1/agreements/{version}"): OPS,
    ("scorer", "GET", "/v1/agreements/{version}/diff"): READ,
    ("scorer", "POST", "/v1/agreements/{version}/approvals"): frozenset({"marketing", "sales", "admin"}),
    ("scorer", "POST", "/v1/agreements/{version}/activate"): OPS,
    ("scorer", "GET", "/v1/agreements/{version}/history"): READ,
    ("scorer", "POST", "/v1/agreements/{version}/backtest"): READ,
    ("scorer", "GET", "/v1/leads/{lead_key}/score"): READ,
    # router
    ("router", "POST", "/v1/routing/preview"): READ,
    ("router", "GET", "/v1/leads/{lead_key}/timeline"): READ,
    ("router", "GET", "/v1/overflow"): frozenset({"sales", "ops", "admin"}),
    ("router", "POST", "/v1/reps"): OPS,
    ("router", "GET", "/v1/reps"): READ,
    ("router", "GET", "/v1/reps/{rep_id}"): READ,
    ("router", "PUT", "/v1/reps/{rep_id}"): OPS,
    ("router", "DELETE", "/v1/reps/{rep_id}"): OPS,
    ("router", "POST", "/v1/reps/import"): OPS,
    ("router", "GET", "/v1/pools"): READ,
    ("router", "GET", "/v1/pools/{pool_id}"): READ,
    ("router", "PUT", "/v1/pools/{pool_id}"): OPS,
    ("router", "GET", "/v1/accounts"): READ,
    ("router", "GET", "/v1/accounts/{account_id}"): READ,
    ("router", "PUT", "/v1/accounts/{account_id}"): OPS,
    ("router", "POST", "/v1/accounts/import"): OPS,
    ("router", "GET", "/v1/routing/rules"): READ,
    ("router", "PUT", "/v1/routing/rules"): OPS,
    ("router", "GET", "/v1/audit"): OPS,
    ("router", "POST", "/v1/crm/activities"): frozenset({"sales", "ops", "admin"}),
    ("router", "GET", "/v1/sla/summary"): READ,
    ("router", "GET", "/v1/sla/breaches"): READ,
    ("router", "GET", "/v1/sla/commitments"): READ,
}

GUARDED = [(svc, method, path, allowed) for (svc, method, path), allowed in ACCESS.items()
           if isinstance(allowed, frozenset)]


def _url(services, svc: str, path: str) -> str:
    # Path parameters name things that do not exist: an allowed role gets 404 or 422, never a change.
    concrete = re.sub(r"\{version\}", "999999", path)
    concrete = re.sub(r"\{[a-z_]+\}", "no-such-thing", concrete)
    return (services.scorer_url if svc == "scorer" else services.router_url) + concrete


@pytest.fixture(scope="module")
async def keys(services) -> dict[str, dict]:
    return {**{role: await role_key(services, role) for role in ("marketing", "sales", "ops")},
            "admin": services.auth}


async def _call(services, svc, method, path, headers) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        # An empty object is never a valid body here, so an admitted call changes nothing.
        body = {} if method in ("POST", "PUT") else None
        return await client.request(method, _url(services, svc, path), json=body, headers=headers)


async def test_every_route_of_both_services_is_in_the_access_table(services):
    documented = set()
    async with httpx.AsyncClient() as client:
        for svc, url in (("scorer", services.scorer_url), ("router", services.router_url)):
            spec = (await client.get(f"{url}/openapi.json")).json()
            documented |= {(svc, m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert documented - set(ACCESS) == set(), "routes without an access rule"
    assert set(ACCESS) - documented == set(), "access rules for routes that do not exist"


@pytest.mark.parametrize(("svc", "method", "path", "allowed"), GUARDED, ids=[f"{s} {m} {p}" for s, m, p, _ in GUARDED])
async def test_each_role_is_admitted_or_refused_as_the_table_says(services, keys, svc, method, path, allowed):
    outcome = {}
    for role in ROLES:
        status = (await _call(services, svc, method, path, keys[role])).status_code
        outcome[role] = "refused" if status == 403 else ("unauthenticated" if status == 401 else "admitted")
        assert status < 500, f"{role}: {status}"
    assert outcome == {role: "admitted" if role in allowed else "refused" for role in ROLES}


@pytest.mark.parametrize(("svc", "method", "path", "allowed"), GUARDED, ids=[f"{s} {m} {p}" for s, m, p, _ in GUARDED])
async def test_no_key_or_an_unknown_key_is_unauthenticated(services, svc, method, path, allowed):
    assert (await _call(services, svc, method, path, {})).status_code == 401
    assert (await _call(services, svc, method, path, {"Authorization": "Bearer not-a-key"})).status_code == 401


@pytest.mark.parametrize("svc", ["scorer", "router"])
async def test_health_and_metrics_need_no_key(services, svc):
    for path in ("/healthz", "/readyz", "/metrics"):
        assert (await _call(services, svc, "GET", path, {})).status_code == 200
