"""How the dashboard keeps a reader signed in: the key once through the form, then a server-side
session whose random token is the only thing in the cookie (issue #18)."""

import hashlib

import httpx

from tests.support.stack import TEST_ADMIN_KEY


def _client(services, **kwargs) -> httpx.AsyncClient:
    """A client that posts from the dashboard's own page, as a browser does."""
    return httpx.AsyncClient(base_url=services.router_url, headers={"origin": services.router_url}, **kwargs)


def _cookie_parts(response: httpx.Response) -> set[str]:
    return {p.strip() for p in response.headers["set-cookie"].lower().split(";")}


async def test_the_login_sets_an_httponly_strict_session_cookie_for_the_dashboard_only(services):
    async with _client(services) as client:
        response = await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
    assert response.status_code == 303
    assert {"httponly", "samesite=strict", "path=/ui", "max-age=43200"} <= _cookie_parts(response)


async def test_the_cookie_holds_a_random_token_never_the_key(services):
    async with _client(services) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        token = client.cookies["handoff_ui_session"]
    assert TEST_ADMIN_KEY not in token and len(token) >= 40


async def test_only_the_tokens_hash_is_stored_with_an_expiry(services, db):
    async with _client(services) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        token = client.cookies["handoff_ui_session"]
    hashed = hashlib.sha256(token.encode()).hexdigest()
    row = await db.fetchrow("SELECT key_id, expires_at > now() + interval '11 hours' AS lasts"
                            " FROM router.ui_sessions WHERE token_hash = $1", hashed)
    assert row["key_id"] == "settings-admin" and row["lasts"]
    assert await db.fetchval("SELECT count(*) FROM router.ui_sessions WHERE token_hash = $1", token) == 0


async def test_the_session_cookie_opens_the_dashboard_and_not_the_api(services):
    async with _client(services) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        assert (await client.get("/ui/")).status_code == 200
        assert (await client.get("/v1/funnel")).status_code == 401


async def test_signing_out_ends_the_session_on_the_server(services):
    async with _client(services) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        token = client.cookies["handoff_ui_session"]
        await client.post("/ui/logout")
    async with _client(services, cookies={"handoff_ui_session": token}) as replayed:
        assert (await replayed.get("/ui/")).status_code == 401


async def test_revoking_the_key_ends_its_sessions(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers=services.auth) as admin:
        created = (await admin.post("/v1/keys", json={"name": "revoked reader", "role": "sales"})).json()
        async with _client(services) as client:
            await client.post("/ui/login", data={"key": created["key"]})
            assert (await client.get("/ui/")).status_code == 200
            assert (await admin.delete(f"/v1/keys/{created['key_id']}")).status_code == 204
            assert (await client.get("/ui/")).status_code == 401


async def test_a_login_from_another_site_is_refused_and_opens_no_session(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers={"origin": "https://evil.example"}) as client:
        response = await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
    assert response.status_code == 403 and response.json()["error"]["code"] == "cross_origin"
    assert "set-cookie" not in response.headers


async def test_a_login_without_origin_or_referer_is_refused(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
    assert response.status_code == 403


async def test_a_login_with_the_dashboards_own_referer_is_taken(services):
    async with httpx.AsyncClient(base_url=services.router_url, headers={"referer": f"{services.router_url}/ui/"}) as c:
        assert (await c.post("/ui/login", data={"key": TEST_ADMIN_KEY})).status_code == 303


async def test_signing_out_from_another_site_is_refused(services):
    async with _client(services) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        refused = await client.post("/ui/logout", headers={"origin": "https://evil.example"})
        assert refused.status_code == 403
        assert (await client.get("/ui/")).status_code == 200


async def test_the_cookie_is_secure_behind_a_tls_proxy(start_extra):
    router = await start_extra("router", HANDOFF_BEHIND_TLS_PROXY="true")
    async with httpx.AsyncClient(base_url=router.url, headers={"origin": router.url}) as client:
        response = await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
    assert response.status_code == 303 and "secure" in _cookie_parts(response)


async def test_the_page_refuses_framing_and_caching_and_runs_only_its_own_script(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.get("/ui/", headers=services.auth)
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    for panel in ("funnel", "sla-board", "commitments", "rejections", "agreement"):
        assert f'data-testid="{panel}"' in response.text
