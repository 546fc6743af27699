"""/ui/: the dashboard both teams look at, server-rendered, read-only for any role with a key.

Hidden from the OpenAPI document (it is HTML for people); the role matrix lists it on its own.
"""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.agreement.deps import AgreementDep
from services.router.reporting.ui import session
from services.router.reporting.ui.render import page
from services.router.reporting.ui.view import chosen, dashboard
from services.shared.deps import NowDep, PoolDep
from services.shared.state import service_state

SIGN_IN = {"WWW-Authenticate": 'Bearer realm="handoff"'}


def _login(message: str | None = None) -> Response:
    return page("login.html", status=401, headers=SIGN_IN, message=message)


def dashboard_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/ui/")
    async def show(request: Request, pool: PoolDep, agreement: AgreementDep, now: NowDep, days: str | None = None,
                   by: str | None = None) -> Response:
        """The dashboard for a signed-in reader; the login form (401) for anyone else."""
        if await session.reader(request) is None:
            return _login()
        n, group_by = chosen(days, by)
        figures = await dashboard(pool, agreement, now, n, group_by)
        return page("dashboard.html", d=figures)

    @router.post("/ui/login")
    async def login(request: Request) -> Response:
        """Checks the key from the form and keeps it in the dashboard's cookie."""
        key = await session.submitted_key(request)
        if not key or await service_state(request).keys.principal(key) is None:
            return _login("That key is unknown or revoked.")
        return session.keep_key(RedirectResponse("/ui/", status_code=303), request, key)

    @router.post("/ui/logout")
    async def logout() -> Response:
        """Forgets the key; back to the login form."""
        return session.forget_key(RedirectResponse("/ui/", status_code=303))

    return router
