"""How the dashboard keeps a reader's key: once through the form, then in a cookie scripts cannot read."""

import httpx

from tests.support.stack import TEST_ADMIN_KEY


async def test_the_login_keeps_the_key_in_an_httponly_strict_cookie_for_the_dashboard_only(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
    cookie = response.headers["set-cookie"].lower()
    assert response.status_code == 303
    assert {"httponly", "samesite=strict", "path=/ui", "max-age=43200"} <= {p.strip() for p in cookie.split(";")}


async def test_the_dashboard_cookie_opens_the_dashboard_and_not_the_api(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        assert (await client.get("/ui/")).status_code == 200
        assert (await client.get("/v1/funnel")).status_code == 401


async def test_signing_out_forgets_the_key(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        await client.post("/ui/login", data={"key": TEST_ADMIN_KEY})
        await client.post("/ui/logout")
        assert (await client.get("/ui/")).status_code == 401


async def test_the_page_refuses_framing_and_caching_and_runs_only_its_own_script(services):
    async with httpx.AsyncClient(base_url=services.router_url) as client:
        response = await client.get("/ui/", headers=services.auth)
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    for panel in ("funnel", "sla-board", "commitments", "rejections", "agreement"):
        assert f'data-testid="{panel}"' in response.text
