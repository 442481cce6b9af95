"""Admins manage users and API tokens, over the API and on the admin pages; every change is audited."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.auth.models import AuditEntry, Role
from hotdash.db.session import session_factory
from tests.auth.helpers import bearer, csrf_of, post_login
from tests.web.conftest import ApiToken, ClientAs
from tests.web.test_api import assert_error_shape

NEW_USER = {"email": "Ana@Example.com", "name": "Ana", "role": "operator", "password": "a long secret phrase"}


@pytest.fixture
def admin(api_token: ApiToken) -> dict[str, str]:
    """Headers of an admin's API token."""
    return bearer(api_token(Role.admin))


def test_an_admin_adds_a_user_who_can_then_sign_in(
    anon_client: TestClient, admin: dict[str, str], sqlite_engine: Engine
) -> None:
    created = anon_client.post("/api/v1/users", json=NEW_USER, headers=admin)

    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in ("email", "name", "role", "is_active")} == {
        "email": "ana@example.com",
        "name": "Ana",
        "role": "operator",
        "is_active": True,
    }
    assert "password" not in created.text
    assert "argon2" not in created.text
    listed = anon_client.get("/api/v1/users", headers=admin).json()
    assert "ana@example.com" in [user["email"] for user in listed]
    with session_factory(sqlite_engine)() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_key == "ana@example.com")).one()
    assert (entry.action, entry.actor_label) == ("user.create", "robot-admin1@example.com")
    with TestClient(anon_client.app) as browser:
        assert post_login(browser, "ana@example.com", NEW_USER["password"]).status_code == 303


def test_a_taken_email_or_a_short_password_is_refused_with_the_reason(
    anon_client: TestClient, admin: dict[str, str]
) -> None:
    anon_client.post("/api/v1/users", json=NEW_USER, headers=admin)

    taken = anon_client.post("/api/v1/users", json=NEW_USER | {"email": "ANA@example.com"}, headers=admin)
    short = anon_client.post(
        "/api/v1/users", json=NEW_USER | {"email": "b@example.com", "password": "short one"}, headers=admin
    )

    assert taken.status_code == 409
    assert "already exists" in str(assert_error_shape(taken.json(), "email_taken")["message"])
    assert short.status_code == 422
    assert "at least 12 characters" in str(assert_error_shape(short.json(), "weak_password")["message"])
    assert "short one" not in short.text


@pytest.mark.parametrize(
    "change",
    [{"role": "superuser"}, {"role": 3}, {"name": 7}, {"password": 123456789012}, {"admin": True}],
)
def test_user_input_is_strict(
    anon_client: TestClient, admin: dict[str, str], change: dict[str, object]
) -> None:
    response = anon_client.post("/api/v1/users", json=NEW_USER | change, headers=admin)

    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")
    assert NEW_USER["password"] not in response.text


def test_an_admin_changes_a_role_and_deactivates(anon_client: TestClient, admin: dict[str, str]) -> None:
    user_id = anon_client.post("/api/v1/users", json=NEW_USER, headers=admin).json()["id"]

    promoted = anon_client.patch(f"/api/v1/users/{user_id}", json={"role": "manager"}, headers=admin)
    deactivated = anon_client.patch(f"/api/v1/users/{user_id}", json={"is_active": False}, headers=admin)

    assert promoted.json()["role"] == "manager"
    assert deactivated.json()["is_active"] is False
    with TestClient(anon_client.app) as browser:
        assert post_login(browser, "ana@example.com", NEW_USER["password"]).status_code == 400
    missing = anon_client.patch("/api/v1/users/999", json={"role": "viewer"}, headers=admin)
    assert missing.status_code == 404


def test_the_last_admin_cannot_demote_themselves(client_as: ClientAs) -> None:
    admin = client_as(Role.admin)
    me = admin.get("/api/v1/me").json()

    response = admin.patch(
        f"/api/v1/users/{me['id']}", json={"role": "viewer"}, headers={"X-CSRF-Token": csrf_of(admin)}
    )

    assert response.status_code == 409
    assert "only active admin" in str(assert_error_shape(response.json(), "last_admin")["message"])


def test_tokens_are_shown_once_and_listed_by_prefix(anon_client: TestClient, admin: dict[str, str]) -> None:
    anon_client.post("/api/v1/users", json=NEW_USER, headers=admin)

    created = anon_client.post(
        "/api/v1/tokens",
        json={"name": "export", "email": "ana@example.com", "expires_in_days": 30},
        headers=admin,
    )

    assert created.status_code == 201
    token = created.json()
    assert token["token"].startswith(token["prefix"])
    assert token["user_email"] == "ana@example.com"
    assert token["expires_at"] is not None
    listed = anon_client.get("/api/v1/tokens", headers=admin)
    assert token["token"] not in listed.text
    assert token["prefix"] in listed.text
    assert anon_client.get("/api/v1/me", headers=bearer(token["token"])).json()["email"] == "ana@example.com"


@pytest.mark.parametrize(
    "body", [{"name": ""}, {"name": "x", "expires_in_days": 0}, {"name": "x", "expires_in_days": "7"}]
)
def test_token_input_is_checked(
    anon_client: TestClient, admin: dict[str, str], body: dict[str, object]
) -> None:
    assert anon_client.post("/api/v1/tokens", json=body, headers=admin).status_code == 422


def test_a_token_for_an_unknown_user_is_a_404(anon_client: TestClient, admin: dict[str, str]) -> None:
    response = anon_client.post(
        "/api/v1/tokens", json={"name": "x", "email": "nobody@example.com"}, headers=admin
    )

    assert response.status_code == 404


def test_the_users_page_adds_and_changes_users(client_as: ClientAs) -> None:
    admin = client_as(Role.admin)

    added = admin.post(
        "/admin/users",
        data={
            "email": "bo@example.com",
            "name": "Bo",
            "role": "manager",
            "password": "another long secret",
            "csrf_token": csrf_of(admin),
        },
    )
    assert added.status_code == 200
    assert "User added." in added.text
    assert "bo@example.com" in added.text
    bo = next(u for u in admin.get("/api/v1/users").json() if u["email"] == "bo@example.com")
    assert bo["role"] == "manager"

    admin.post(f"/admin/users/{bo['id']}", data={"active": "no", "csrf_token": csrf_of(admin)})
    assert next(u for u in admin.get("/api/v1/users").json() if u["id"] == bo["id"])["is_active"] is False

    weak = admin.post(
        "/admin/users",
        data={
            "email": "cy@example.com",
            "name": "Cy",
            "role": "viewer",
            "password": "short",
            "csrf_token": csrf_of(admin),
        },
    )
    assert weak.status_code == 422
    assert "at least 12 characters" in weak.text


def test_the_tokens_page_shows_a_new_token_once(client_as: ClientAs) -> None:
    admin = client_as(Role.admin)

    created = admin.post("/admin/tokens", data={"name": "wallboard", "csrf_token": csrf_of(admin)})

    assert created.status_code == 201
    shown = re.search(r"<code class=\"secret\" data-token>(hd_[^<]+)</code>", created.text)
    assert shown is not None
    token = shown.group(1)
    later = admin.get("/admin/tokens").text
    assert token not in later
    assert "wallboard" in later
    with TestClient(admin.app) as program:
        assert program.get("/api/v1/info", headers=bearer(token)).status_code == 200

    token_id = admin.get("/api/v1/tokens").json()[0]["id"]
    revoked = admin.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(admin)})
    assert "Token revoked." in revoked.text
    with TestClient(admin.app) as program:
        assert program.get("/api/v1/info", headers=bearer(token)).status_code == 401
