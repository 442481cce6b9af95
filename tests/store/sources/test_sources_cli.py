"""`hotdash sources ...` and `hotdash sync shopify` on the database and key the settings name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from hotdash import cli
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory, unit_of_work
from hotdash.settings import Settings, get_settings
from hotdash.store.models import Customer, Store
from hotdash.store.sources import service
from hotdash.store.sources.crypto import key_file_keys, load_box, new_key
from tests.store.connectors.shopify.replay_shop import TOKEN, ReplayShop, recorded_records

runner = CliRunner()


@pytest.fixture
def cli_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated SQLite file with one store, that the command's settings point at; a key of its own."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    monkeypatch.setenv("HOTDASH_SECRET_KEY", new_key())
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        session.add(
            Store(
                source="shopify",
                external_id="northwind",
                name="Northwind",
                currency="USD",
                timezone="UTC",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    yield engine
    engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def shop() -> Iterator[ReplayShop]:
    yield from ReplayShop().serve()


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(cli.app, list(args), input=input)


def said(result: Result) -> str:
    return " ".join(result.output.split())


def add_source(shop: ReplayShop) -> None:
    added = run(
        "sources",
        "add",
        "shop-eu",
        "--kind",
        "shopify",
        "--name",
        "Northwind EU",
        "--store-id",
        "1",
        "--setting",
        f"api_url={shop.base_url}",
    )
    assert added.exit_code == 0, added.output


def test_add_set_a_secret_sync_and_see_the_status(cli_engine: Engine, shop: ReplayShop) -> None:
    add_source(shop)
    stored = run("sources", "set-secret", "shop-eu", "access_token", input=TOKEN + "\n")
    assert stored.exit_code == 0, stored.output
    assert TOKEN not in stored.output
    assert "never" in said(run("sources", "list"))

    synced = run("sync", "shopify")
    assert synced.exit_code == 0, synced.output
    assert "Synced shop-eu" in said(synced)
    with session_factory(cli_engine)() as session:
        stored_customers = set(session.scalars(select(Customer.external_id)))
    assert stored_customers == {str(r["id"]) for r in recorded_records("customers")}

    listed = said(run("sources", "list"))
    assert "succeeded" in listed
    assert " d " in listed, "the recorded data is months old: the lag is counted in days"
    shown = said(run("sources", "show", "shop-eu"))
    assert "Secret access_token: …cdef" in shown
    assert TOKEN not in shown


def test_a_refused_token_fails_the_command_with_the_reason_and_no_token(
    cli_engine: Engine, shop: ReplayShop
) -> None:
    add_source(shop)
    wrong = "shpat_1111111111111111111111111111beef"
    run("sources", "set-secret", "shop-eu", "access_token", "--stdin", input=wrong)
    failed = run("sync", "shopify", "--source", "shop-eu")
    assert failed.exit_code == 1
    assert "401" in said(failed)
    assert wrong not in failed.output
    listed = said(run("sources", "list"))
    assert "failed" in listed
    assert "beef" not in listed


def test_disable_stops_the_sync(cli_engine: Engine, shop: ReplayShop) -> None:
    add_source(shop)
    assert run("sources", "disable", "shop-eu").exit_code == 0
    refused = run("sync", "shopify", "--source", "shop-eu")
    assert refused.exit_code == 1
    assert "disabled" in said(refused)
    assert shop.seen == []


def test_rotate_key_with_the_key_file_replaces_the_key_and_keeps_the_secrets(
    cli_engine: Engine, shop: ReplayShop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTDASH_SECRET_KEY")
    key_file = tmp_path / "secret.key"
    monkeypatch.setenv("HOTDASH_SECRET_KEY_FILE", str(key_file))
    get_settings.cache_clear()
    add_source(shop)
    run("sources", "set-secret", "shop-eu", "access_token", "--stdin", input=TOKEN)
    before = key_file_keys(key_file)
    rotated = run("sources", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    after = key_file_keys(key_file)
    assert len(before) == len(after) == 1
    assert after != before
    with session_factory(cli_engine)() as session:
        config = service.load_config(session=session, key="shop-eu", box=load_box(Settings()), environ={})
    assert config.secrets == {"access_token": TOKEN}


def test_set_no_store_unsets_the_store_and_later_changes_keep_it_unset(cli_engine: Engine) -> None:
    def stored_store() -> int | None:
        with session_factory(cli_engine)() as session:
            return service.get_source(session=session, key="shop-eu").store_id

    added = run("sources", "add", "shop-eu", "--kind", "shopify", "--name", "Northwind EU", "--store-id", "1")
    assert added.exit_code == 0, added.output
    assert run("sources", "set", "shop-eu", "--name", "Northwind Europe").exit_code == 0
    assert stored_store() == 1  # no store option: unchanged

    unset = run("sources", "set", "shop-eu", "--no-store")
    assert unset.exit_code == 0, unset.output
    assert stored_store() is None
    assert run("sources", "set", "shop-eu", "--setting", "api_version=2026-07").exit_code == 0
    assert stored_store() is None
    assert "Store id: —" in said(run("sources", "show", "shop-eu"))

    both = run("sources", "set", "shop-eu", "--store-id", "1", "--no-store")
    assert both.exit_code == 2
    assert "not both" in said(both)
    missing = run("sources", "set", "shop-eu", "--store-id", "7")
    assert missing.exit_code == 1
    assert "There is no store 7" in said(missing)
    assert stored_store() is None
