"""The OpenAPI document is valid and true to the router: every /api route is documented,
every declaration documents a route, and every operation says how it fails."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from hub.app import create_app
from hub.openapi import errors, operation
from hub.openapi.coverage import problems, unrouted
from hub.openapi.document import api_routes, build
from hub.openapi.schemas import obj
from hub.settings import Settings

PACKAGES = ("hub", "adapters")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def app() -> web.Application:
    return create_app(Settings(database_url="sqlite+aiosqlite:///unused.db"))


@pytest.fixture(scope="module")
def document(app: web.Application) -> dict[str, Any]:
    return build(app, version="test")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_route_has_a_declaration(app: web.Application) -> None:
    assert problems(app) == []


def test_every_declaration_belongs_to_a_route(app: web.Application) -> None:
    assert unrouted(app, PACKAGES) == []


def test_the_document_lists_exactly_the_routes_the_hub_serves(
    app: web.Application, document: dict[str, Any]
) -> None:
    served = {(route.method, route.path) for route in api_routes(app)}
    documented = {(method, path) for method, path, _ in _operations(document)}
    assert documented == served
    assert ("POST", "/api/appointments") in documented
    assert ("GET", "/api/openapi.json") in documented
    assert not any(path.startswith(("/wechat/", "/voice/", "/email/")) for _, path in documented)


def test_every_operation_says_how_it_fails_with_the_error_body(document: dict[str, Any]) -> None:
    for method, path, op in _operations(document):
        failures = {int(code): body for code, body in op["responses"].items() if int(code) >= 400}
        if path != "/api/openapi.json":
            assert any(400 <= code < 500 for code in failures), f"{method} {path}"
        for code, body in failures.items():
            schema = body["content"]["application/json"]["schema"]
            assert schema == ERROR_REF, f"{method} {path} {code}"


def test_staff_endpoints_need_a_sign_in_and_say_so(document: dict[str, Any]) -> None:
    staff = [
        (method, path, op)
        for method, path, op in _operations(document)
        if {"staffBearer": []} in op.get("security", [])
    ]
    assert {("GET", "/api/customers/{id}"), ("DELETE", "/api/customers/{id}")} <= {
        (method, path) for method, path, _ in staff
    }
    for method, path, op in staff:
        assert "401" in op["responses"], f"{method} {path}"
        if method != "GET":
            assert {"staffSession": [], "csrfToken": []} in op["security"], f"{method} {path}"
    public = document["paths"]["/api/visitors"]["post"]
    assert "security" not in public
    assert "429" in public["responses"]


def test_path_parameters_come_from_the_route_template(document: dict[str, Any]) -> None:
    verify = document["paths"]["/api/customers/{id}/identities/{identity_id}/verify"]["post"]
    names = [p["name"] for p in verify["parameters"] if p["in"] == "path"]
    assert names == ["id", "identity_id"]
    assert "404" in verify["responses"]


def test_a_route_without_a_declaration_is_reported() -> None:
    async def undocumented(_request: web.Request) -> web.Response:
        return web.Response()

    @operation(summary="Documented", tag="test", responses={200: obj(), **errors(400)})
    async def documented(_request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    app.router.add_get("/api/documented", documented)
    app.router.add_post("/api/undocumented", undocumented)
    app.router.add_route("*", "/api/anything", documented)
    app.router.add_get("/page", undocumented)  # not the REST API
    found = problems(app)
    assert len(found) == 2
    assert found[0].startswith("POST /api/undocumented")
    assert found[1].startswith("* /api/anything")
    assert list(build(app, version="x")["paths"]) == ["/api/documented"]


def test_two_routes_with_one_operation_id_are_reported() -> None:
    @operation(summary="One", tag="test", responses={200: obj(), **errors(400)})
    async def same(_request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    app.router.add_get("/api/one", same)
    app.router.add_get("/api/two", same)
    assert problems(app) == ["operationId 'same' is used 2 times"]
