"""/ui/: the dashboard both teams look at, server-rendered, read-only for any role with a key.

Hidden from the OpenAPI document (it is HTML for people); the role matrix lists it on its own.
"""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.agreement.deps import AgreementDep
from services.router.config import RouterSettings, RouterSettingsDep
from services.router.reporting.ui import session
from services.router.reporting.ui.render import page
from services.router.reporting.ui.view import chosen, dashboard
from services.shared.deps import NowDep, PoolDep
from services.shared.edge import edge
from services.shared.errors import ApiError

SIGN_IN = {"WWW-Authenticate": 'Bearer realm="handoff"'}
SESSION = edge("session", body=session.MAX_FORM_BYTES)


def _login(message: str | None = None) -> Response:
    return page("login.html", status=401, headers=SIGN_IN, message=message)


def _from_the_dashboard(request: Request, settings: RouterSettings) -> None:
    if not session.own_origin(request, settings):
        raise ApiError(403, "cross_origin", "signing in or out must come from the dashboard's own page"
                                            " (Origin or Referer of this site)")


def dashboard_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/ui/", openapi_extra=SESSION)
    async def show(request: Request, pool: PoolDep, agreement: AgreementDep, now: NowDep, settings: RouterSettingsDep,
                   days: str | None = None, by: str | None = None) -> Response:
        """The dashboard for a signed-in reader; the login form (401) for anyone else."""
        if await session.reader(request, pool) is None:
            return _login()
        n, group_by = chosen(days, by)
        figures = await dashboard(pool, agreement, now, n, group_by, settings.reporting_currency)
        return page("dashboard.html", d=figures)

    @router.post("/ui/login", openapi_extra=SESSION)
    async def login(request: Request, pool: PoolDep, settings: RouterSettingsDep) -> Response:
        """Checks the key from the form and opens a session, kept in the dashboard's cookie."""
        _from_the_dashboard(request, settings)
        principal = await session.submitted_principal(request)
        if principal is None:
            return _login("That key is unknown or revoked.")
        return await session.open_session(RedirectResponse("/ui/", status_code=303), request, settings, pool,
                                          principal)

    @router.post("/ui/logout", openapi_extra=SESSION)
    async def logout(request: Request, pool: PoolDep, settings: RouterSettingsDep) -> Response:
        """Ends the session; back to the login form."""
        _from_the_dashboard(request, settings)
        return await session.close_session(RedirectResponse("/ui/", status_code=303), request, settings, pool)

    return router
