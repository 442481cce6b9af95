"""The JSON API: the dataset summary, health, and one error shape for every failure."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from hotdash.app import create_app
from hotdash.auth.models import Role
from hotdash.db import migrate
from hotdash.kernel.http.session import DbSession
from hotdash.settings import Settings
from hotdash.store.models import Store
from tests.auth.helpers import bearer
from tests.web.conftest import ApiToken

AddShop = Callable[..., None]


def assert_error_shape(body: dict[str, object], code: str) -> dict[str, object]:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def test_info_returns_what_is_loaded(client: TestClient, add_shop: AddShop) -> None:
    add_shop(name="Northwind Outfitters", currency="EUR", timezone="Europe/Berlin", orders=2)

    response = client.get("/api/v1/info")

    assert response.status_code == 200
    info = response.json()
    counts = {entity["key"]: entity["count"] for entity in info["entities"]}
    assert counts["orders"] == 2
    assert counts["tickets"] == 1
    assert counts["page_traffic"] == 1
    assert {entity["label"] for entity in info["entities"]} >= {"Orders", "Order lines", "Tracking events"}
    assert info["stores"] == [
        {"id": 1, "name": "Northwind Outfitters", "currency": "EUR", "timezone": "Europe/Berlin"}
    ]
    assert info["date_range"]["orders"]["first"] == "2026-03-02T23:30:00Z"
    assert info["date_range"]["page_traffic"] == {"first": "2026-03-02", "last": "2026-03-02"}
    assert info["schema_revision"] == migrate.head_revision()
    assert info["schema_up_to_date"] is True
    assert info["is_empty"] is False
    assert info["total_rows"] == sum(counts.values())


def test_info_on_an_empty_database(client: TestClient) -> None:
    info = client.get("/api/v1/info").json()

    assert info["is_empty"] is True
    assert info["stores"] == []
    assert info["date_range"]["tickets"] == {"first": None, "last": None}


def test_info_is_documented(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert "/api/v1/info" in client.get("/openapi.json").json()["paths"]


def test_unmigrated_database_gives_503_with_what_to_run(bare_client: TestClient) -> None:
    response = bare_client.get("/api/v1/info")

    assert response.status_code == 503
    error = assert_error_shape(response.json(), "schema_not_migrated")
    assert "hotdash db upgrade" in str(error["message"])
    assert error["details"] == {"current_revision": None, "head_revision": migrate.head_revision()}


def test_database_from_another_version_gives_503(client: TestClient, sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))

    response = client.get("/api/v1/info")

    assert response.status_code == 503
    error = assert_error_shape(response.json(), "schema_out_of_date")
    assert "ffff" in str(error["message"])


def test_healthz_reports_reachable_database_at_head(client: TestClient, bare_client: TestClient) -> None:
    head = migrate.head_revision()
    assert client.get("/healthz").json() == {"status": "ok", "schema_revision": head, "head_revision": head}

    response = bare_client.get("/healthz")
    assert response.status_code == 503
    assert_error_shape(response.json(), "schema_not_migrated")


def test_unknown_route_and_wrong_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert_error_shape(missing.json(), "not_found")

    wrong_method = client.post("/api/v1/info")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET"
    assert_error_shape(wrong_method.json(), "method_not_allowed")


def test_invalid_input_gets_a_422_naming_the_field(app: FastAPI) -> None:
    @app.get("/api/v1/probe")
    def probe(limit: int) -> dict[str, int]:
        return {"limit": limit}

    response = TestClient(app).get("/api/v1/probe", params={"limit": "many"})

    assert response.status_code == 422
    error = assert_error_shape(response.json(), "validation_error")
    assert "limit" in str(error["message"])
    assert error["details"]["errors"][0]["loc"] == ["query", "limit"]  # type: ignore[index]


def test_unexpected_error_is_logged_but_not_shown(app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2 in table secret_things")

    with caplog.at_level(logging.ERROR):
        response = TestClient(app, raise_server_exceptions=False).get("/api/v1/boom")

    assert response.status_code == 500
    assert_error_shape(response.json(), "internal_error")
    assert "hunter2" not in response.text
    assert "secret_things" not in response.text
    assert "hunter2" in caplog.text  # the operator still finds the cause in the log


def _store_count(sqlite_engine: Engine) -> int:
    with Session(sqlite_engine) as session:
        return session.execute(select(func.count()).select_from(Store)).scalar_one()


def test_a_failed_request_leaves_no_half_written_data(
    app: FastAPI, sqlite_engine: Engine, api_token: ApiToken
) -> None:
    def add_store(session: Session, name: str) -> None:
        session.add(
            Store(
                source="api",
                external_id=name,
                name=name,
                currency="USD",
                timezone="UTC",
                created_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
        session.flush()

    @app.post("/api/v1/stores-ok")
    def create_ok(session: DbSession) -> dict[str, str]:
        add_store(session, "kept")
        return {"status": "created"}

    @app.post("/api/v1/stores-conflict")
    def create_then_fail(session: DbSession) -> None:
        add_store(session, "discarded")
        raise HTTPException(status_code=409, detail="a store with that domain exists")

    client = TestClient(app)
    assert client.post("/api/v1/stores-ok").status_code == 200
    conflict = client.post("/api/v1/stores-conflict")

    assert conflict.status_code == 409
    assert assert_error_shape(conflict.json(), "conflict")["message"] == "a store with that domain exists"
    assert _store_count(sqlite_engine) == 1  # committed on success, rolled back on error
    info = client.get("/api/v1/info", headers=bearer(api_token(Role.viewer))).json()
    assert info["stores"][0]["name"] == "kept"


def test_page_traffic_day_is_a_plain_date(client: TestClient, add_shop: AddShop) -> None:
    add_shop()
    day = client.get("/api/v1/info").json()["date_range"]["page_traffic"]["first"]
    assert date.fromisoformat(day) == date(2026, 3, 2)


def test_unreachable_database_gives_503_without_driver_details(tmp_path: Path) -> None:
    missing_dir = tmp_path / "no-such-directory" / "hotdash.db"
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{missing_dir}")))

    response = client.get("/api/v1/info")

    assert response.status_code == 503
    error = assert_error_shape(response.json(), "database_unavailable")
    assert "HOTDASH_DATABASE_URL" in str(error["message"])
    assert "no-such-directory" not in response.text
    assert client.get("/").status_code == 503
