"""Thresholds over HTTP: everyone signed in reads them, managers and admins change them, audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.auth.models import AuditEntry, Role
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory
from hotdash.kernel.tunables import BY_KEY, REGISTRY
from tests.auth.helpers import bearer, csrf_of
from tests.web.conftest import ApiToken, ClientAs
from tests.web.test_api import assert_error_shape

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = "fulfillment.investigate_min"  # default 5, between monitor (1) and critical (15)
FIELDS = {"key", "tile", "label", "value", "default", "unit", "help", "min", "max", "integer", "is_default"}


def audit_entries(engine: Engine) -> list[AuditEntry]:
    with session_factory(engine)() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_a_viewer_reads_every_threshold(client: TestClient) -> None:
    response = client.get("/api/v1/thresholds")

    assert response.status_code == 200
    listed = response.json()
    assert [t["key"] for t in listed] == [t.key for t in REGISTRY]
    assert all(set(t) == FIELDS for t in listed)
    one = next(t for t in listed if t["key"] == KEY)
    assert one == {
        "key": KEY,
        "tile": "fulfillment",
        "label": BY_KEY[KEY].label,
        "value": 5,
        "default": 5,
        "unit": "count",
        "help": BY_KEY[KEY].help,
        "min": 0,
        "max": 100_000,
        "integer": True,
        "is_default": True,
    }
    assert client.get(f"/api/v1/thresholds/{KEY}").json() == one


@pytest.mark.parametrize("role", [Role.viewer, Role.operator])
def test_viewers_and_operators_cannot_change_thresholds(
    api_token: ApiToken, anon_client: TestClient, role: Role
) -> None:
    headers = bearer(api_token(role))

    for response in (
        anon_client.put(f"/api/v1/thresholds/{KEY}", json={"value": 6}, headers=headers),
        anon_client.delete(f"/api/v1/thresholds/{KEY}", headers=headers),
    ):
        assert response.status_code == 403
        error = assert_error_shape(response.json(), "forbidden")
        assert str(error["message"]).startswith("Managers and admins change thresholds")
    assert anon_client.get(f"/api/v1/thresholds/{KEY}", headers=headers).json()["value"] == 5


@pytest.fixture
def app_clock() -> FrozenClock:
    """The app runs at T0, so the audit entry's time is known."""
    return FrozenClock(T0)


@pytest.mark.parametrize("role", [Role.manager, Role.admin])
def test_managers_and_admins_change_a_threshold_and_the_audit_log_says_who(
    app: FastAPI, client_as: ClientAs, sqlite_engine: Engine, role: Role
) -> None:
    user = client_as(role)

    response = user.put(
        f"/api/v1/thresholds/{KEY}", json={"value": 8}, headers={"X-CSRF-Token": csrf_of(user)}
    )

    assert response.status_code == 200
    assert response.json()["value"] == 8
    assert response.json()["is_default"] is False
    assert user.get(f"/api/v1/thresholds/{KEY}").json()["value"] == 8
    change = audit_entries(sqlite_engine)[-1]
    assert change.action == "threshold.update"
    assert change.entity_key == KEY
    assert change.actor_label == f"{role.value}1@example.com"
    assert change.actor_id is not None
    assert change.at == T0
    assert (change.before, change.after) == ({"value": 5}, {"value": 8})


def test_a_reset_puts_the_default_back_and_is_audited(
    api_token: ApiToken, anon_client: TestClient, sqlite_engine: Engine
) -> None:
    headers = bearer(api_token(Role.manager))
    anon_client.put(f"/api/v1/thresholds/{KEY}", json={"value": 9.0}, headers=headers)

    response = anon_client.delete(f"/api/v1/thresholds/{KEY}", headers=headers)

    assert response.status_code == 200
    assert response.json()["value"] == 5
    assert response.json()["is_default"] is True
    reset = audit_entries(sqlite_engine)[-1]
    assert (reset.action, reset.before, reset.after) == ("threshold.reset", {"value": 9}, {"value": 5})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (200_000, "must be between 0 and 100000, not 200000"),
        (5.5, "must be a whole number"),
        (20, "cannot exceed"),  # above the critical threshold, 15
    ],
)
def test_a_value_the_playbook_cannot_use_is_a_422_that_says_why(
    api_token: ApiToken, anon_client: TestClient, value: float, message: str
) -> None:
    response = anon_client.put(
        f"/api/v1/thresholds/{KEY}", json={"value": value}, headers=bearer(api_token(Role.manager))
    )

    assert response.status_code == 422
    error = assert_error_shape(response.json(), "invalid_threshold")
    assert message in str(error["message"])
    assert error["details"] == {"key": KEY}


@pytest.mark.parametrize(
    "body", [{"value": "6"}, {"value": True}, {"value": None}, {}, {"value": 6, "extra": 1}]
)
def test_the_new_value_must_be_a_json_number(
    api_token: ApiToken, anon_client: TestClient, body: dict[str, object]
) -> None:
    response = anon_client.put(
        f"/api/v1/thresholds/{KEY}", json=body, headers=bearer(api_token(Role.manager))
    )

    assert response.status_code == 422
    assert_error_shape(response.json(), "validation_error")


def test_an_unknown_threshold_is_a_404(api_token: ApiToken, anon_client: TestClient) -> None:
    response = anon_client.put(
        "/api/v1/thresholds/sales.nope", json={"value": 1}, headers=bearer(api_token(Role.manager))
    )

    assert response.status_code == 404
    assert "sales.nope" in str(assert_error_shape(response.json(), "unknown_threshold")["message"])


def test_the_page_shows_a_viewer_the_values_read_only(client: TestClient) -> None:
    page = client.get("/settings/thresholds")

    assert page.status_code == 200
    assert "you see them read-only" in page.text
    assert "<h2>Fulfillment Health</h2>" in page.text
    assert re.search(rf'data-threshold="{re.escape(KEY)}">5 ', page.text)
    assert f'action="/settings/thresholds/{KEY}"' not in page.text
    assert 'name="value"' not in page.text
    denied = client.post(f"/settings/thresholds/{KEY}", data={"value": "6", "csrf_token": csrf_of(client)})
    assert denied.status_code == 403
    assert "Managers and admins change thresholds" in denied.text


def test_a_manager_saves_a_threshold_from_the_page(client_as: ClientAs, sqlite_engine: Engine) -> None:
    manager = client_as(Role.manager)
    page = manager.get("/settings/thresholds")
    assert f'action="/settings/thresholds/{KEY}"' in page.text

    saved = manager.post(
        f"/settings/thresholds/{KEY}",
        data={"value": "7", "csrf_token": csrf_of(manager)},
        follow_redirects=False,
    )

    assert saved.status_code == 303
    assert saved.headers["location"] == f"/settings/thresholds?saved={KEY}#{KEY}"
    after = manager.get(saved.headers["location"])
    assert f"Saved: {BY_KEY[KEY].label} is now 7 (count)." in after.text
    assert re.search(rf'data-threshold="{re.escape(KEY)}">7 ', after.text)
    assert audit_entries(sqlite_engine)[-1].after == {"value": 7}

    reset = manager.post(
        f"/settings/thresholds/{KEY}", data={"action": "reset", "csrf_token": csrf_of(manager)}
    )
    assert f"Reset to default: {BY_KEY[KEY].label} is now 5 (count)." in reset.text


def test_the_page_says_why_a_value_was_refused(client_as: ClientAs) -> None:
    manager = client_as(Role.manager)

    for value, reason in (
        ("20", "cannot exceed"),
        ("lots", "enter a number"),
        ("nan", "enter a finite number"),
    ):
        response = manager.post(
            f"/settings/thresholds/{KEY}", data={"value": value, "csrf_token": csrf_of(manager)}
        )
        assert response.status_code == 422
        assert "Not saved:" in response.text
        assert reason in response.text
    assert manager.get(f"/api/v1/thresholds/{KEY}").json()["value"] == 5


def test_a_crafted_notice_url_cannot_put_words_on_the_page(client: TestClient) -> None:
    page = client.get("/settings/thresholds", params={"saved": "Your account is locked, call 555-0100"})

    assert "call 555-0100" not in page.text


def test_the_audit_page_lists_changes_for_managers(
    client_as: ClientAs, api_token: ApiToken, anon_client: TestClient
) -> None:
    anon_client.put(f"/api/v1/thresholds/{KEY}", json={"value": 6}, headers=bearer(api_token(Role.admin)))
    manager = client_as(Role.manager)

    page = manager.get("/audit")

    assert page.status_code == 200
    assert "threshold.update" in page.text
    assert KEY in page.text
    assert "robot-admin1@example.com" in page.text
    assert '<code class="json">{"value": 5}</code>' in page.text
    only_users = manager.get("/audit", params={"entity": "user"}).text
    assert "threshold.update" not in only_users
    assert "user.create" in only_users
