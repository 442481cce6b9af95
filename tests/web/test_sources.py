"""Sources over HTTP: status for everyone, settings for managers, changes for admins; secrets never shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hotdash.auth.models import AuditEntry, Role
from hotdash.clock import FrozenClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import Settings
from hotdash.store.models import Store
from hotdash.store.models.ingest import Source
from hotdash.store.sources import sync_state
from hotdash.store.sources.crypto import SecretBox, new_key
from tests.auth.helpers import bearer, csrf_of
from tests.web.conftest import ApiToken, ClientAs
from tests.web.test_api import assert_error_shape

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "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"
NEW_SOURCE = {
    "key": "shop-eu",
    "kind": "shopify",
    "name": "Northwind EU",
    "settings": {"shop": "northwind-eu.myshopify.com"},
    "secrets": {"access_token": TOKEN},
}


KEY = new_key()


@pytest.fixture
def app_settings(sqlite_url: str) -> Settings:
    """A key of the test's own, so nothing writes a key file into the working directory."""
    return Settings(database_url=sqlite_url, secret_key=KEY)  # type: ignore[arg-type]


@pytest.fixture
def app_clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def box() -> SecretBox:
    """A box on the app's key, to read what it stored."""
    return SecretBox.from_text(KEY)


def audit(engine: Engine) -> list[AuditEntry]:
    with session_factory(engine)() as session:
        return list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity == "source").order_by(AuditEntry.id))
        )


def test_an_admin_adds_a_source_and_its_secret_never_comes_back(
    api_token: ApiToken, anon_client: TestClient, sqlite_engine: Engine, box: SecretBox
) -> None:
    admin = bearer(api_token(Role.admin))
    created = anon_client.post("/api/v1/sources", json=NEW_SOURCE, headers=admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secrets"] == [{"name": "access_token", "origin": "stored", "hint": "…1605"}]
    assert body["settings"] == {"shop": "northwind-eu.myshopify.com"}
    assert body["last_sync_status"] is None
    for response in (created, anon_client.get("/api/v1/sources", headers=admin)):
        assert TOKEN not in response.text
    with session_factory(sqlite_engine)() as session:
        stored = session.scalars(select(Source)).one()
        assert stored.secret_ciphertext is not None
        assert TOKEN not in stored.secret_ciphertext
        assert box.decrypt(stored.secret_ciphertext) == {"access_token": TOKEN}
    assert [entry.action for entry in audit(sqlite_engine)] == ["source.create"]
    assert TOKEN not in str([(e.before, e.after) for e in audit(sqlite_engine)])


def test_an_admin_changes_sets_a_secret_and_disables_audited(
    api_token: ApiToken, anon_client: TestClient, sqlite_engine: Engine
) -> None:
    admin = bearer(api_token(Role.admin))
    anon_client.post("/api/v1/sources", json={**NEW_SOURCE, "secrets": {}}, headers=admin)
    secret = anon_client.put(
        "/api/v1/sources/shop-eu/secrets/access_token", json={"value": TOKEN}, headers=admin
    )
    assert secret.status_code == 200
    assert TOKEN not in secret.text
    changed = anon_client.patch(
        "/api/v1/sources/shop-eu",
        json={"settings": {"api_version": "2026-07"}, "is_enabled": False},
        headers=admin,
    )
    assert changed.status_code == 200
    assert changed.json()["is_enabled"] is False
    assert changed.json()["settings"] == {"api_version": "2026-07", "shop": "northwind-eu.myshopify.com"}
    entries = audit(sqlite_engine)
    assert [e.action for e in entries] == [
        "source.create",
        "source.set_secret",
        "source.update",
        "source.disable",
    ]
    assert entries[1].after == {"secret": "access_token", "set": True}


def test_viewers_see_status_but_not_settings_and_managers_see_both(
    api_token: ApiToken, anon_client: TestClient, sqlite_engine: Engine, box: SecretBox
) -> None:
    anon_client.post("/api/v1/sources", json=NEW_SOURCE, headers=bearer(api_token(Role.admin)))
    with unit_of_work(session_factory(sqlite_engine)) as session:
        sync_state.record_sync_progress(
            session=session, key="shop-eu", cursor="{}", last_record_at=NOW - timedelta(minutes=90)
        )
        sync_state.record_sync_failed(
            session=session, key="shop-eu", now=NOW, error=f"Shopify said no to {TOKEN}", secrets=[TOKEN]
        )
    viewer = anon_client.get("/api/v1/sources", headers=bearer(api_token(Role.viewer))).json()
    assert viewer[0]["settings"] is None
    assert viewer[0]["secrets"] is None
    assert viewer[0]["lag_seconds"] == 90 * 60
    assert viewer[0]["last_error"] == "Shopify said no to [secret]"
    manager = anon_client.get("/api/v1/sources/shop-eu", headers=bearer(api_token(Role.manager))).json()
    assert manager["settings"] == {"shop": "northwind-eu.myshopify.com"}
    assert manager["secrets"][0]["hint"] == "…1605"


@pytest.mark.parametrize("role", [Role.viewer, Role.operator, Role.manager])
def test_only_admins_change_sources(role: Role, api_token: ApiToken, anon_client: TestClient) -> None:
    headers = bearer(api_token(role))
    for method, path, body in (
        ("POST", "/api/v1/sources", NEW_SOURCE),
        ("PATCH", "/api/v1/sources/shop-eu", {"is_enabled": False}),
        ("PUT", "/api/v1/sources/shop-eu/secrets/access_token", {"value": TOKEN}),
        ("DELETE", "/api/v1/sources/shop-eu/secrets/access_token", None),
    ):
        response = anon_client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (role, method, path)
        assert_error_shape(response.json(), "forbidden")


def test_bad_input_gets_a_4xx_that_says_what_to_fix(api_token: ApiToken, anon_client: TestClient) -> None:
    admin = bearer(api_token(Role.admin))
    # Strict mode: a store id sent as text is refused, not quietly converted.
    strict = anon_client.post("/api/v1/sources", json={**NEW_SOURCE, "store_id": "1"}, headers=admin)
    assert strict.status_code == 422
    assert_error_shape(strict.json(), "validation_error")
    bad_kind = anon_client.post("/api/v1/sources", json={**NEW_SOURCE, "kind": "magento"}, headers=admin)
    assert bad_kind.status_code == 422
    assert_error_shape(bad_kind.json(), "invalid_source")
    assert "shopify" in bad_kind.json()["error"]["message"]
    missing = anon_client.patch("/api/v1/sources/nope", json={"name": "x"}, headers=admin)
    assert missing.status_code == 404
    assert_error_shape(missing.json(), "unknown_source")
    secret_setting = anon_client.post(
        "/api/v1/sources", json={**NEW_SOURCE, "settings": {"access_token": TOKEN}}, headers=admin
    )
    assert secret_setting.status_code == 422
    assert TOKEN not in secret_setting.text


def test_an_admin_uses_the_page_to_add_set_a_secret_and_disable(
    client_as: ClientAs, sqlite_engine: Engine
) -> None:
    admin = client_as(Role.admin)
    csrf = csrf_of(admin)
    added = admin.post(
        "/settings/sources",
        data={
            "csrf_token": csrf,
            "key": "shop-eu",
            "kind": "shopify",
            "name": "Northwind EU",
            "settings": "shop = northwind-eu.myshopify.com\n",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = admin.get(added.headers["location"])
    assert "Source added." in page.text
    assert "northwind-eu.myshopify.com" in page.text
    stored = admin.post(
        "/settings/sources/shop-eu/secret",
        data={"csrf_token": csrf, "secret": "access_token", "value": TOKEN, "action": "save"},
    )
    assert stored.status_code == 200
    assert "Secret saved" in stored.text
    assert TOKEN not in stored.text
    assert "…1605" in stored.text
    disabled = admin.post("/settings/sources/shop-eu/enabled", data={"csrf_token": csrf, "enabled": "0"})
    assert "Source disabled" in disabled.text
    with session_factory(sqlite_engine)() as session:
        assert session.scalars(select(Source.is_enabled)).one() is False
    refused = admin.post(
        "/settings/sources/shop-eu", data={"csrf_token": csrf, "name": "x", "settings": "no equals sign"}
    )
    assert refused.status_code == 422
    assert "name = value" in refused.text


def test_a_viewer_sees_the_status_table_without_settings_or_forms(
    client_as: ClientAs, api_token: ApiToken, anon_client: TestClient, sqlite_engine: Engine
) -> None:
    anon_client.post("/api/v1/sources", json=NEW_SOURCE, headers=bearer(api_token(Role.admin)))
    with unit_of_work(session_factory(sqlite_engine)) as session:
        sync_state.record_sync_started(session=session, key="shop-eu", now=NOW - timedelta(minutes=5))
        sync_state.record_sync_succeeded(
            session=session,
            key="shop-eu",
            now=NOW,
            cursor="{}",
            last_record_at=NOW - timedelta(hours=3, minutes=20),
            summary="3 pages: orders 2",
        )
    page = client_as(Role.viewer).get("/settings/sources")
    assert page.status_code == 200
    assert "Northwind EU" in page.text
    assert "3 h 20 min" in page.text
    assert "3 pages: orders 2" in page.text
    assert "northwind-eu.myshopify.com" not in page.text
    assert "access_token" not in page.text
    assert "Add a source" not in page.text
    manager = client_as(Role.manager)
    manager_page = manager.get("/settings/sources").text
    assert "northwind-eu.myshopify.com" in manager_page
    assert "…1605" in manager_page
    assert TOKEN not in manager_page
    assert "Add a source" not in manager_page
    # The CSRF token is right, so what refuses the change is the role.
    forbidden = manager.post(
        "/settings/sources", data={"key": "x"}, headers={"X-CSRF-Token": csrf_of(manager)}
    )
    assert forbidden.status_code == 403


def test_the_page_offers_stores_by_name_and_shows_the_bound_one(
    client_as: ClientAs, sqlite_engine: Engine
) -> None:
    with unit_of_work(session_factory(sqlite_engine)) as session:
        store = Store(source="demo", external_id="s1", name="Ridgeline Supply Co.", currency="USD",
                      timezone="America/New_York", created_at=NOW)  # fmt: skip
        session.add(store)
        session.flush()
        store_id = store.id
    admin = client_as(Role.admin)
    form = admin.get("/settings/sources").text
    assert f'<option value="{store_id}" selected>Ridgeline Supply Co.</option>' in form
    added = admin.post(
        "/settings/sources",
        data={
            "csrf_token": csrf_of(admin),
            "key": "shop-us",
            "kind": "shopify",
            "name": "US shop",
            "store_id": str(store_id),
            "settings": "",
        },
    )
    facts = added.text.split('id="source-shop-us"')[1].split("</dl>")[0]
    assert "Ridgeline Supply Co." in facts


def add_store(engine: Engine, name: str = "Ridgeline Supply Co.") -> int:
    with unit_of_work(session_factory(engine)) as session:
        store = Store(source="demo", external_id=name, name=name, currency="USD",
                      timezone="America/New_York", created_at=NOW)  # fmt: skip
        session.add(store)
        session.flush()
        return store.id


def store_updates(engine: Engine) -> list[tuple[int | None, int | None]]:
    return [
        (e.before["store_id"], e.after["store_id"])
        for e in audit(engine)
        if e.action == "source.update" and e.before is not None and e.after is not None
    ]


def test_an_admin_sets_and_unsets_a_source_store_over_the_api(
    api_token: ApiToken, anon_client: TestClient, sqlite_engine: Engine
) -> None:
    store_id = add_store(sqlite_engine)
    admin = bearer(api_token(Role.admin))
    anon_client.post("/api/v1/sources", json=NEW_SOURCE, headers=admin)

    def patch(body: dict[str, object]) -> object:
        response = anon_client.patch("/api/v1/sources/shop-eu", json=body, headers=admin)
        assert response.status_code == 200, response.text
        assert TOKEN not in response.text
        return response.json()["store_id"]

    assert patch({"store_id": store_id}) == store_id
    assert patch({"name": "Northwind Europe"}) == store_id  # left out: unchanged
    assert patch({"store_id": None}) is None  # null: no store
    assert patch({"settings": {"api_version": "2026-07"}, "name": "Northwind EU"}) is None
    assert anon_client.get("/api/v1/sources/shop-eu", headers=admin).json()["store_id"] is None
    unknown = anon_client.patch("/api/v1/sources/shop-eu", json={"store_id": 999}, headers=admin)
    assert unknown.status_code == 422
    assert_error_shape(unknown.json(), "invalid_source")
    assert "no store 999" in unknown.json()["error"]["message"]
    assert store_updates(sqlite_engine) == [
        (None, store_id), (store_id, store_id), (store_id, None), (None, None),
    ]  # fmt: skip
    assert TOKEN not in str([(e.before, e.after) for e in audit(sqlite_engine)])


def test_the_page_store_picker_sets_and_unsets_the_store_and_saving_keeps_it_unset(
    client_as: ClientAs, sqlite_engine: Engine
) -> None:
    add_store(sqlite_engine, "Other store")  # two stores: nothing is picked for the admin
    store_id = add_store(sqlite_engine)
    admin = client_as(Role.admin)
    csrf = csrf_of(admin)
    admin.post(
        "/settings/sources",
        data={"csrf_token": csrf, "key": "shop-eu", "kind": "shopify", "name": "Northwind EU"},
    )

    def save(**fields: str) -> str:
        response = admin.post("/settings/sources/shop-eu", data={"csrf_token": csrf, **fields})
        assert response.status_code == 200, response.text
        assert "Settings saved." in response.text
        return response.text.split('id="source-shop-eu"')[1].split("</form>")[0]

    def stored_store() -> int | None:
        with session_factory(sqlite_engine)() as session:
            return session.scalars(select(Source.store_id)).one()

    picked = save(name="Northwind EU", store_id=str(store_id), settings="")
    assert stored_store() == store_id
    assert "<dt>Store</dt><dd>Ridgeline Supply Co.</dd>" in picked
    assert f'<option value="{store_id}" selected>' in picked

    unset = save(name="Northwind EU", store_id="none", settings="")
    assert stored_store() is None
    assert "<dt>Store</dt><dd>—</dd>" in unset
    assert "selected" not in unset

    # Saving the name and settings again, with the picker on "none" as the page shows it, keeps no store.
    renamed = save(name="Northwind Europe", store_id="none", settings="shop = northwind-eu.myshopify.com")
    assert stored_store() is None
    assert "<dt>Store</dt><dd>—</dd>" in renamed
    # A post without the picker at all (not from this form) leaves the store as it is.
    save(name="Northwind EU", store_id=str(store_id), settings="")
    save(name="Northwind", settings="")
    assert stored_store() == store_id
    assert store_updates(sqlite_engine) == [
        (None, store_id), (store_id, None), (None, None), (None, store_id), (store_id, store_id),
    ]  # fmt: skip
