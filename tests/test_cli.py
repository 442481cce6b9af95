"""The `hotdash` command line: schema commands, `info` and `serve`, on the database the settings name."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect
from typer.main import get_command
from typer.testing import CliRunner, Result

from hotdash import cli
from hotdash.auth.models import Role
from hotdash.cli import serve as serve_cli
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory, unit_of_work
from hotdash.settings import Settings, get_settings
from hotdash.store.models import Store
from tests.auth.helpers import add_user, post_login

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the settings at a fresh, never migrated SQLite file, and restore every HOTDASH_* variable."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        # setenv then delenv: monkeypatch remembers the original state and restores it, even for variables
        # `hotdash serve` exports for its server.
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(cli.app, list(args), input=input)


def said(result: Result) -> str:
    """The output as one line: Rich wraps long sentences at the terminal width."""
    return " ".join(result.output.split())


def test_current_on_a_fresh_database_says_it_is_behind(database_url: str) -> None:
    result = run("db", "current")

    assert result.exit_code == 0
    assert "Current revision: none (never migrated)" in said(result)
    assert f"Head revision: {migrate.head_revision()}" in said(result)
    assert "The database is behind" in said(result)
    assert "hotdash db upgrade" in said(result)


def test_upgrade_brings_the_database_to_head(database_url: str, engine: Engine) -> None:
    result = run("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert "orders" in inspect(engine).get_table_names()
    assert "The schema is up to date." in said(run("db", "current"))


def test_downgrade_base_removes_every_table_after_confirmation(database_url: str, engine: Engine) -> None:
    run("db", "upgrade")

    refused = run("db", "downgrade", "base", input="n\n")
    assert refused.exit_code != 0
    assert "orders" in inspect(engine).get_table_names()  # answering "no" changed nothing

    result = run("db", "downgrade", "base", "--yes")

    assert result.exit_code == 0, result.output
    assert migrate.current_revision(engine) is None
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert "behind" in said(run("db", "current"))


def test_downgrade_requires_a_revision(database_url: str) -> None:
    result = run("db", "downgrade")

    assert result.exit_code == 2
    assert "REVISION" in result.output


def test_unknown_revision_is_reported_without_a_traceback(database_url: str) -> None:
    result = run("db", "upgrade", "not-a-revision")

    assert result.exit_code == 1
    assert "not-a-revision" in said(result)
    assert "Traceback" not in result.output


def test_info_json_prints_the_counts(database_url: str, engine: Engine) -> None:
    run("db", "upgrade")
    with unit_of_work(session_factory(engine)) as session:
        session.add_all(
            Store(
                source="shopify",
                external_id=f"shop-{n}",
                name=name,
                currency="USD",
                timezone="America/New_York",
                created_at=datetime(2026, 1, 5, tzinfo=UTC),
            )
            for n, name in enumerate(["Harbor Goods", "Harbor Goods Outlet"])
        )

    result = run("info", "--json")

    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    counts = {entity["label"]: entity["count"] for entity in info["entities"]}
    assert counts["Stores"] == 2
    assert counts["Orders"] == 0
    assert [store["name"] for store in info["stores"]] == ["Harbor Goods", "Harbor Goods Outlet"]
    assert info["schema_up_to_date"] is True


def test_info_prints_tables_or_the_empty_state(database_url: str) -> None:
    run("db", "upgrade")

    result = run("info")

    assert result.exit_code == 0, result.output
    assert "No data yet — run `hotdash demo` or import data." in said(result)
    assert "Tracking events" in result.output


def test_info_on_a_fresh_database_says_to_upgrade(database_url: str) -> None:
    result = run("info", "--json")

    assert result.exit_code == 1
    assert result.stderr == "The database is not set up: run hotdash db upgrade.\n"
    assert result.stdout == ""


def test_serve_upgrades_a_fresh_database_then_serves_it(
    database_url: str,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    request: pytest.FixtureRequest,
) -> None:
    served: dict[str, Any] = {}

    def fake_run(app: FastAPI, **options: Any) -> None:
        # Ask the app uvicorn would have served for the data page: first it wants a signed-in user.
        with TestClient(app, follow_redirects=False) as client:
            served["anonymous"] = client.get("/data")
            add_user(engine, "ops@example.com", Role.viewer)
            served["signed_in"] = post_login(client, "ops@example.com", next="/data")
            served["page"] = client.get("/data")
        served.update(options)

    monkeypatch.setattr(serve_cli.uvicorn, "run", fake_run)
    # serve quiets Alembic's per-request logging for the server's lifetime; give it back to the other tests.
    alembic_log = logging.getLogger("alembic.runtime.migration")
    request.addfinalizer(lambda level=alembic_log.level: alembic_log.setLevel(level))

    with caplog.at_level(logging.INFO, logger="hotdash"):
        result = run("serve", "--port", "8123")

    assert result.exit_code == 0, result.output
    assert "upgrading to" in caplog.text
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert served["host"] == "127.0.0.1"
    assert served["port"] == 8123
    assert served["anonymous"].status_code == 303
    assert served["anonymous"].headers["location"] == "/login?next=%2Fdata"
    assert served["signed_in"].headers["location"] == "/data"
    assert served["page"].status_code == 200
    assert "No data yet" in served["page"].text


def test_downgrade_minus_one_steps_back_one_revision(database_url: str, engine: Engine) -> None:
    run("db", "upgrade")
    previous = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(migrate.head_revision())
    assert previous is not None

    result = run("db", "downgrade", "-1", "--yes")

    assert result.exit_code == 0, result.output
    assert migrate.current_revision(engine) == previous.down_revision


PROBE = """
import sys
from hotdash.cli import main
sys.argv = ["hotdash", "--help"]
try:
    main()
except SystemExit:
    pass
heavy = ("sqlalchemy", "fastapi", "numpy", "uvicorn")
mine = ("hotdash.app", "hotdash.store", "hotdash.detection")
loaded = [m for m in sys.modules if m.split(".")[0] in heavy or m.startswith(mine)]
print("LOADED", " ".join(sorted(loaded)))
"""


def test_help_lists_every_command_without_importing_any() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )

    loaded = done.stdout.rsplit("LOADED", 1)[1].split()
    assert loaded == [], f"hotdash --help imported {loaded}"
    for name in cli.COMMANDS:
        assert f"  {name}  " in done.stdout or f"  {name}\n" in done.stdout, name


def test_each_commands_help_line_is_its_own() -> None:
    root = get_command(cli.app)
    context = typer.Context(root)
    for name, lazy in cli.COMMANDS.items():
        loaded = root.get_command(context, name)
        assert loaded is not None, name
        assert loaded.name == name
        assert (loaded.help or "").strip().split("\n")[0] == lazy.help, name
