"""Every route of both services against every role: who gets in, who gets 403, who gets 401.

The table is the specification. A route missing from it fails the coverage test, so a new
endpoint cannot ship without saying who may call it. Signed webhooks are checked by their
signatures instead (their own tests) and are listed as such.
"""

import re

import httpx
import pytest

from services.router.reporting.dashboard_api import dashboard_router
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
    **{(svc, m, p): OPS for svc in ("scorer", "router")
       for m, p in (("GET", "/v1/dead-letters"), ("GET", "/v1/dead-letters/{topic}"),
                    ("POST", "/v1/dead-letters/{topic}/replay"))},
    # scorer
    ("scorer", "POST", "/v1/events"): frozenset({"marketing", "ops", "admin"}),
    ("scorer", "POST", "/v1/intent"): frozenset({"marketing", "ops", "admin"}),
    ("scorer", "GET", "/v1/funnel/accounts"): READ,
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
    ("scorer", "GET", "/v1/backtests/{job_id}"): READ,
    ("scorer", "POST", "/v1/agreements/suggestions"): OPS,
    ("scorer", "GET", "/v1/agreements/suggestions/{job_id}"): READ,
    ("scorer", "GET", "/v1/leads/{lead_key}/score"): READ,
    **{("scorer", "POST", f"/v1/webhooks/{tool}"): SIGNED for tool in ("mautic", "hubspot", "segment")},
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
    ("router", "GET", "/v1/accounts/matches"): READ,
    ("router", "POST", "/v1/accounts/matches/{review_id}"): OPS,
    ("router", "POST", "/v1/reps/{rep_id}/clear-unavailable"): frozenset({"sales", "ops", "admin"}),  # managers
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
    ("router", "GET", "/v1/sla/board"): READ,
    ("router", "GET", "/v1/funnel"): READ,
    # money and the weekly review (issue #20): ops keeps rates and costs and republishes; everyone reads
    ("router", "GET", "/v1/currency-rates"): READ,
    ("router", "PUT", "/v1/currency-rates"): OPS,
    ("router", "GET", "/v1/campaign-costs"): READ,
    ("router", "POST", "/v1/campaign-costs/import"): OPS,
    ("router", "GET", "/v1/revenue"): READ,
    ("router", "GET", "/v1/trends"): READ,
    ("router", "POST", "/v1/reviews/{week}/publish"): OPS,
    # outbound delivery (docs/integrations.md): subscriptions carry secrets and lead payloads
    **{("router", m, p): OPS for m, p in (
        ("POST", "/v1/subscriptions"), ("GET", "/v1/subscriptions"), ("GET", "/v1/subscriptions/{subscription_id}"),
        ("PATCH", "/v1/subscriptions/{subscription_id}"), ("DELETE", "/v1/subscriptions/{subscription_id}"),
        ("GET", "/v1/subscriptions/{subscription_id}/deliveries"),
        ("GET", "/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}"),
        ("POST", "/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/replay"),
        ("POST", "/v1/subscriptions/{subscription_id}/replay"),
        ("POST", "/v1/subscriptions/{subscription_id}/rotate-secret"),
        ("DELETE", "/v1/subscriptions/{subscription_id}/previous-secret"))},
    # CRM connectors (docs/crm.md): set up and owner mappings by ops; what the CRMs post back
    **{("router", m, p): OPS for m, p in (
        ("PUT", "/v1/connectors/{connector}"), ("GET", "/v1/connectors/{connector}"),
        ("PUT", "/v1/connectors/{connector}/owners"), ("GET", "/v1/connectors/{connector}/owners"))},
    ("router", "POST", "/v1/connectors/salesforce/events"): frozenset({"sales", "ops", "admin"}),
    ("router", "POST", "/v1/connectors/hubspot/webhooks"): SIGNED,
    ("router", "POST", "/v1/connectors/salesforce/outbound-messages"): SIGNED,
}

# The dashboard's HTML routes, left out of the OpenAPI document: reading takes a key of any role, through
# the session the login form opens (a browser cannot send a bearer header) or a bearer header; the
# login form and signing out need none, but must come from the dashboard's own origin. Without a key
# the dashboard answers 401 with the login form.
UI_ACCESS: dict[tuple[str, str, str], frozenset[str] | str] = {
    ("router", "GET", "/ui/"): READ,
    ("router", "POST", "/ui/login"): PUBLIC,
    ("router", "POST", "/ui/logout"): PUBLIC,
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


def test_every_dashboard_route_is_in_the_ui_access_table():
    assert {("router", m, r.path) for r in dashboard_router().routes for m in r.methods} == set(UI_ACCESS)


async def _dashboard(services, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(base_url=services.router_url, **kwargs) as client:
        return await client.get("/ui/")


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reads_the_dashboard_with_its_key_in_the_cookie_or_a_bearer_header(services, keys, role):
    assert role in UI_ACCESS[("router", "GET", "/ui/")]
    key = next(iter(keys[role].values())).split(" ", 1)[1]
    async with httpx.AsyncClient(base_url=services.router_url, headers={"origin": services.router_url}) as client:
        signed_in = await client.post("/ui/login", data={"key": key})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/ui/"
        assert (await client.get("/ui/")).status_code == 200  # the client sends the cookie back
    assert (await _dashboard(services, headers=keys[role])).status_code == 200


async def test_the_dashboard_without_a_live_key_shows_the_login_form(services):
    for kwargs in ({}, {"cookies": {"handoff_ui_session": "not-a-session"}},
                   {"headers": {"Authorization": "Bearer not-a-key"}}):
        response = await _dashboard(services, **kwargs)
        assert response.status_code == 401 and 'action="/ui/login"' in response.text
        assert response.headers["content-type"].startswith("text/html")


async def test_logging_in_and_out_need_no_key_and_an_unknown_key_gets_the_form_again(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers={"origin": services.router_url}) as client:
        refused = await client.post("/ui/login", data={"key": "not-a-key"})
        assert refused.status_code == 401 and "unknown or revoked" in refused.text
        out = await client.post("/ui/logout")
        assert out.status_code == 303 and "handoff_ui_session=" in out.headers["set-cookie"]
