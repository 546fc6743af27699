"""How the edge learns each route's scheme and cap from the route itself (issue #18)."""

import pytest
from fastapi import APIRouter, Depends, FastAPI

from services.shared.auth import require_role
from services.shared.config import Settings
from services.shared.edge import RouteTable, edge

SETTINGS = Settings(max_body_bytes=1000, max_import_bytes=5000)


def _table(router: APIRouter) -> RouteTable:
    app = FastAPI()
    app.include_router(router, prefix="/v1")
    return RouteTable(app.routes, SETTINGS)


async def _ok() -> None:
    return None


def test_a_route_with_a_role_dependency_is_keyed_with_those_roles():
    router = APIRouter(dependencies=[Depends(require_role("ops"))])
    router.add_api_route("/things/{thing_id}", _ok, methods=["PUT"])
    rule = _table(router).rule("PUT", "/v1/things/t-1")
    assert rule.auth == "key" and rule.roles.roles == {"ops"} and rule.max_body == 1000


def test_a_signed_route_declares_its_scheme_and_takes_no_key_at_the_edge():
    router = APIRouter()
    router.add_api_route("/hooks", _ok, methods=["POST"], openapi_extra=edge("signature"))
    rule = _table(router).rule("POST", "/v1/hooks")
    assert rule.auth == "signature" and rule.roles is None


def test_a_route_may_take_a_larger_body_only_by_declaring_it():
    router = APIRouter(dependencies=[Depends(require_role("ops"))])
    router.add_api_route("/import", _ok, methods=["POST"], openapi_extra=edge("key", body="imports"))
    router.add_api_route("/login", _ok, methods=["POST"], openapi_extra=edge("session", body=64))
    assert _table(router).rule("POST", "/v1/import").max_body == 5000
    assert _table(router).rule("POST", "/v1/login").max_body == 64


def test_a_keyed_route_naming_no_roles_stops_the_app_from_being_built():
    router = APIRouter()
    router.add_api_route("/open", _ok, methods=["GET"], openapi_extra=edge("key"))
    with pytest.raises(ValueError, match="names no roles"):
        _table(router)


def test_an_unknown_path_gets_the_default_cap_and_no_authentication():
    rule = _table(APIRouter()).rule("POST", "/nowhere")
    assert rule.auth == "public" and rule.max_body == 1000
