"""Every route of the app needs a signed-in user, except the sign-in page, the health check and static files.

Webhook routes are the other exception: their senders (Shopify, ...) cannot sign in, so they authenticate by
the delivery's signature instead; `test_webhook_routes_refuse_unsigned_deliveries` checks each of them.

The route list is read from the app itself, so a route added later without the sign-in dependency fails here.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from hotdash.auth.models import Role
from tests.web.conftest import ApiToken, ClientAs

# (path, method) pairs anyone may use. Think twice before adding to this list.
PUBLIC = {("/login", "GET"), ("/login", "POST"), ("/healthz", "GET")}
PUBLIC_MOUNTS = {"/static"}
# Authenticated by signature, not by sign-in.
SIGNED_WEBHOOKS = {("/webhooks/shopify", "POST"), ("/webhooks/chatwoot", "POST")}


def concrete(path: str) -> str:
    """Fill every path parameter ({name} or {name:converter}) with a plausible value."""
    return re.sub(r"\{[^}]+\}", "1", path)


def protected_requests(app: FastAPI) -> list[tuple[str, str]]:
    """Return (method, path) of every route the app serves, included routers flattened, except the public."""
    requests = []
    for route in iter_route_contexts(app.routes):
        path = route.path
        assert path, f"a route without a path: {route!r}"
        if isinstance(route.original_route, Mount):
            assert path in PUBLIC_MOUNTS, f"{path} is mounted without sign-in"
            continue
        assert route.methods, f"{path} answers no HTTP method: what kind of route is it?"
        for method in sorted(route.methods - {"HEAD"}):
            if (path, method) not in PUBLIC | SIGNED_WEBHOOKS:
                requests.append((method, path))
    return requests


def test_the_public_routes_are_public(anon_client: TestClient) -> None:
    assert anon_client.get("/login").status_code == 200
    assert anon_client.get("/healthz").status_code == 200
    assert anon_client.get("/static/hotdash.css").status_code == 200
    assert anon_client.get("/static/vendor/htmx.min.js").status_code == 200


def test_the_app_has_the_routes_this_test_expects_to_check(app: FastAPI) -> None:
    checked = {path for _, path in protected_requests(app)}
    # If these are missing the loop below proves nothing about them.
    assert {"/", "/api/v1/info", "/docs", "/openapi.json", "/logout", "/api/v1/me"} <= checked
    assert any(path.startswith("/partials/") for path in checked)
    assert {"/api/v1/thresholds", "/api/v1/thresholds/{key}", "/settings/thresholds", "/audit"} <= checked
    assert {"/api/v1/users", "/api/v1/tokens"} <= checked
    assert {
        "/api/v1/sources",
        "/api/v1/sources/{key}",
        "/api/v1/sources/{key}/secrets/{name}",
        "/settings/sources",
        "/settings/sources/{key}",
        "/settings/sources/{key}/secret",
        "/settings/sources/{key}/enabled",
        "/api/v1/rules",
        "/api/v1/rules/{key}",
        "/api/v1/detections",
        "/api/v1/detections/{detection_id}",
    } <= checked
    assert {"/imports", "/imports/{run_id}/rejects", "/api/v1/imports", "/api/v1/imports/{entity}"} <= checked
    assert {"/api/v1/imports/{run_id}/rejects", "/api/v1/ingest/{entity}"} <= checked
    assert {
        "/detections",
        "/detections/{detection_id}",
        "/detections/{detection_id}/{action}",
        "/rules",
        "/rules/new",
        "/rules/{key}",
        "/rules/{key}/edit",
        "/rules/{key}/enabled",
    } <= checked


def unprotected(app: FastAPI, credentials: str = "none") -> list[str]:
    """Return each route (but the public ones) that answers without a working sign-in, and how it answered."""
    headers = {"Authorization": "Bearer hd_bogus"} if credentials == "bogus token" else {}
    found = []
    with TestClient(app, follow_redirects=False, headers=headers) as client:
        if credentials == "stale cookie":
            client.cookies.set("hotdash_session", "a-session-that-does-not-exist")
        for method, path in protected_requests(app):
            response = client.request(method, concrete(path))
            if path.startswith("/api/") or path in ("/openapi.json", "/docs", "/docs/oauth2-redirect"):
                refused = (
                    response.status_code == 401
                    and response.headers.get("www-authenticate") == "Bearer"
                    and response.json()["error"]["code"] == "not_authenticated"
                )
            else:
                refused = response.status_code == 303 and response.headers["location"].startswith(
                    "/login?next="
                )
            if not refused:
                found.append(f"{method} {path} answered {response.status_code}")
    return found


@pytest.mark.parametrize("credentials", ["none", "stale cookie", "bogus token"])
def test_every_other_route_needs_a_signed_in_user(app: FastAPI, credentials: str) -> None:
    assert unprotected(app, credentials) == []


def test_webhook_routes_refuse_unsigned_deliveries(app: FastAPI, client: TestClient) -> None:
    served = {
        (route.path, method)
        for route in iter_route_contexts(app.routes)
        if route.path.startswith("/webhooks/")
        for method in (route.methods or set())
    }
    assert served == SIGNED_WEBHOOKS
    body = b'{"id": 1}'
    # Even a signed-in person's session does not stand in for the signature.
    for path, method in sorted(SIGNED_WEBHOOKS):
        for sender in (client, TestClient(app)):
            response = sender.request(
                method,
                path,
                content=body,
                headers={"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "1"},
            )
            assert response.status_code == 401, f"{method} {path}"
            refused = {"unsigned", "webhook_secret_not_configured", "bad_signature"}
            assert response.json()["error"]["code"] in refused


def test_a_route_added_without_sign_in_is_caught(app: FastAPI) -> None:
    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    @app.get("/forgotten-page")
    def forgotten_page() -> dict[str, str]:
        return {"secret": "data"}

    assert unprotected(app) == ["GET /api/v1/forgotten answered 200", "GET /forgotten-page answered 200"]


def test_admin_routes_refuse_everyone_but_admins(app: FastAPI, client_as: ClientAs) -> None:
    admin_paths = [
        (method, path)
        for method, path in protected_requests(app)
        if path.startswith(("/api/v1/users", "/api/v1/tokens", "/admin/"))
    ]
    assert len(admin_paths) >= 8
    for role in (Role.viewer, Role.operator, Role.manager):
        client = client_as(role)
        # The header passes the CSRF check, so what refuses the request is the role.
        csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/settings/thresholds").text)
        assert csrf is not None
        for method, path in admin_paths:
            response = client.request(method, concrete(path), headers={"X-CSRF-Token": csrf.group(1)})
            assert response.status_code == 403, f"{role} {method} {path}"


def test_source_changes_refuse_everyone_but_admins(app: FastAPI, client_as: ClientAs) -> None:
    # Reading a source's status is for everyone signed in; every change to a source is for admins only.
    changes = [
        (method, path)
        for method, path in protected_requests(app)
        if path.startswith(("/api/v1/sources", "/settings/sources")) and method != "GET"
    ]
    assert len(changes) >= 7
    for role in (Role.viewer, Role.operator, Role.manager):
        client = client_as(role)
        csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/settings/sources").text)
        assert csrf is not None
        for method, path in changes:
            response = client.request(method, concrete(path), headers={"X-CSRF-Token": csrf.group(1)})
            assert response.status_code == 403, f"{role} {method} {path}"


def test_rule_changes_need_a_manager_and_detection_actions_an_operator(
    app: FastAPI, api_token: ApiToken
) -> None:
    routes = protected_requests(app)
    rule_changes = [
        (method, path)
        for method, path in routes
        if path.startswith("/api/v1/rules") and method != "GET" and path != "/api/v1/rules/check"
    ]
    actions = [
        (method, path) for method, path in routes if path.startswith("/api/v1/detections") and method != "GET"
    ]
    assert len(rule_changes) >= 5
    assert len(actions) >= 5
    with TestClient(app) as client:
        for role, refused in ((Role.viewer, rule_changes + actions), (Role.operator, rule_changes)):
            headers = {"Authorization": f"Bearer {api_token(role)}"}
            for method, path in refused:
                response = client.request(method, concrete(path), headers=headers, json={})
                assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
                assert response.json()["error"]["code"] == "forbidden"
        headers = {"Authorization": f"Bearer {api_token(Role.operator)}"}
        for method, path in actions:
            # Allowed through: the detection does not exist, which is the next thing said.
            body = {"text": "x"} if path.endswith("/notes") else {"minutes": 5}
            response = client.request(method, concrete(path), headers=headers, json=body)
            assert response.status_code == 404, f"operator {method} {path}: {response.status_code}"


def test_import_and_ingest_routes_refuse_viewers(app: FastAPI, client_as: ClientAs) -> None:
    # Reading the list of runs is for everyone signed in; bringing data in, and its rejects, for operators up.
    operator_paths = [
        (method, path)
        for method, path in protected_requests(app)
        if (path.startswith(("/api/v1/imports", "/api/v1/ingest", "/imports")) and method == "POST")
        or path.endswith("/rejects")
    ]
    assert len(operator_paths) == 5
    client = client_as(Role.viewer)
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/settings/thresholds").text)
    assert csrf is not None
    for method, path in operator_paths:
        response = client.request(method, concrete(path), headers={"X-CSRF-Token": csrf.group(1)})
        assert response.status_code == 403, f"{method} {path}"


def test_rule_pages_need_a_manager_and_detection_forms_an_operator(app: FastAPI, client_as: ClientAs) -> None:
    routes = protected_requests(app)
    page_changes = [
        (method, path)
        for method, path in routes
        if path.startswith("/rules/") and (method == "POST" or path in ("/rules/new", "/rules/{key}/edit"))
    ]
    page_actions = [(m, p) for m, p in routes if p.startswith("/detections/") and m == "POST"]
    assert len(page_changes) == 5
    assert len(page_actions) == 1
    for role, refused in ((Role.viewer, page_changes + page_actions), (Role.operator, page_changes)):
        client = client_as(role)
        csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/rules").text)
        assert csrf is not None
        for method, path in refused:
            response = client.request(method, concrete(path), headers={"X-CSRF-Token": csrf.group(1)})
            assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
    operator = client_as(Role.operator)
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', operator.get("/rules").text)
    assert csrf is not None
    # Let through: there is no detection 1, which is the next thing said.
    for method, path in page_actions:
        response = operator.request(method, concrete(path), headers={"X-CSRF-Token": csrf.group(1)})
        assert response.status_code == 404, f"operator {method} {path}: {response.status_code}"
