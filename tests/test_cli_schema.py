"""Every command that touches the database says in one line what to run when its schema is not the code's.

The commands come from the Typer app's command tree, so a command added later is checked too: it either
opens the database through `hotdash.db.cli` (and passes), or is listed below as not needing the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from hotdash import cli
from hotdash.db import migrate
from hotdash.db.session import make_engine
from hotdash.settings import Settings, get_settings

# Commands that never need the schema at the code's revision, and why.
NO_SCHEMA_NEEDED = {
    "db upgrade": "it is what the message says to run",
    "db downgrade": "it moves the schema on purpose",
    "db current": "it reports the revision, whatever it is",
    "serve": "it upgrades the schema before it serves",
    "demo": "it upgrades the schema before it generates",
    "sources new-key": "it prints a new key and reads no table",
    "rules check": "it checks an expression against the rule language, not the data",
    "rules fields": "it lists the rule language's fields",
}

# Arguments that get a command past its own argument parsing to the point where it opens the database;
# `{file}` is a small file the command is given to read.
ARGUMENTS: dict[str, list[str]] = {
    "import": ["orders", "{file}"],
    "import-analytics": ["{file}", "--format", "ga4-csv"],
    "users create": ["--email", "ana@example.com", "--name", "Ana", "--password", "a long passphrase"],
    "users set-role": ["--email", "ana@example.com", "--role", "viewer"],
    "users deactivate": ["--email", "ana@example.com"],
    "tokens create": ["--email", "ana@example.com", "--name", "ci"],
    "tokens revoke": ["1"],
    "sources add": ["shop", "--kind", "shopify", "--name", "Shop"],
    "sources set": ["shop"],
    "sources show": ["shop"],
    "sources set-secret": ["shop", "access_token", "--stdin"],
    "sources disable": ["shop"],
    "sources enable": ["shop"],
    "rules show": ["some-rule"],
    "rules test": ["some-rule"],
    "rules backtest": ["some-rule"],
    "rules enable": ["some-rule"],
    "rules disable": ["some-rule"],
    "rules import": ["{file}"],
    "rules run": ["--once"],
    "jobs show": ["1"],
    "jobs retry": ["1"],
}

runner = CliRunner()


def leaf_commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """Yield every runnable command of the tree under `command`, as the words typed after `hotdash`."""
    if not isinstance(command, TyperGroup):
        yield " ".join(path)
        return
    context = typer.Context(command)
    for name in command.list_commands(context):
        yield from leaf_commands(command.get_command(context, name), (*path, name))


COMMANDS = sorted(leaf_commands(get_command(cli.app)))
DATABASE_COMMANDS = [name for name in COMMANDS if name not in NO_SCHEMA_NEEDED]


def previous_revision() -> str:
    """Return the revision just before the code's head, read from the migration scripts."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    down = scripts.get_revision(migrate.head_revision()).down_revision
    assert isinstance(down, str), down
    return down


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the settings at an empty SQLite file and return its URL; restore the settings afterwards."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    # A key of the test's own, so no command writes a key file into the working directory.
    monkeypatch.setenv("HOTDASH_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def invoke(name: str, tmp_path: Path) -> tuple[int, str, str]:
    """Run `hotdash <name>` with its sample arguments; return the exit code, stdout and stderr."""
    given = tmp_path / "input.csv"
    given.write_text("external_id\n1\n", encoding="utf-8")
    args = [word.replace("{file}", str(given)) for word in ARGUMENTS.get(name, [])]
    result = runner.invoke(cli.app, [*name.split(), *args], input="a secret value\n")
    return result.exit_code, result.stdout, result.stderr


def test_the_tree_has_the_commands_that_need_the_schema() -> None:
    # A guard against the tree walk finding nothing (and every test below passing vacuously).
    for name in ("info", "tiles", "import", "users list", "rules run", "sync shopify", "ingest status"):
        assert name in DATABASE_COMMANDS
    assert set(NO_SCHEMA_NEEDED) <= set(COMMANDS), "an exempted command no longer exists"


@pytest.mark.parametrize("name", DATABASE_COMMANDS)
def test_on_an_empty_database_a_command_says_to_upgrade(name: str, database: str, tmp_path: Path) -> None:
    code, out, err = invoke(name, tmp_path)

    assert err == "The database is not set up: run hotdash db upgrade.\n"
    assert out == ""
    assert code == 1


@pytest.mark.parametrize("name", DATABASE_COMMANDS)
def test_on_a_database_one_revision_behind_a_command_says_to_upgrade(
    name: str, database: str, tmp_path: Path
) -> None:
    engine = make_engine(database)
    try:
        migrate.upgrade(engine, previous_revision())
    finally:
        engine.dispose()

    code, out, err = invoke(name, tmp_path)

    expected = f"The database is at revision {previous_revision()}, the code needs {migrate.head_revision()}"
    assert err == f"{expected}: run hotdash db upgrade.\n"
    assert out == ""
    assert code == 1


@pytest.mark.parametrize("name", DATABASE_COMMANDS)
def test_on_a_database_it_cannot_open_a_command_says_so_in_one_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    missing = tmp_path / "no such directory" / "cli.db"
    monkeypatch.setenv("HOTDASH_DATABASE_URL", f"sqlite:///{missing}")
    get_settings.cache_clear()

    code, out, err = invoke(name, tmp_path)

    assert err == f"Cannot use the database sqlite:///{missing}: unable to open database file\n"
    assert out == ""
    assert code == 1


def test_a_database_at_head_passes_the_check(database: str, tmp_path: Path) -> None:
    # The other side of the check: the same command on a current database reads it.
    engine = make_engine(database)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()

    code, out, err = invoke("tiles", tmp_path)

    assert err == ""
    assert code == 2  # an empty store: the tiles command says there is no store, not the schema line
    assert "no store" in " ".join(out.split()).lower()


def test_the_check_says_the_same_on_sqlite_and_postgresql(
    empty_engine: Engine, database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOTDASH_DATABASE_URL", empty_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()

    assert invoke("tiles", tmp_path) == (1, "", "The database is not set up: run hotdash db upgrade.\n")

    migrate.upgrade(empty_engine, previous_revision())
    behind = f"The database is at revision {previous_revision()}, the code needs {migrate.head_revision()}"
    assert invoke("tiles", tmp_path) == (1, "", f"{behind}: run hotdash db upgrade.\n")

    migrate.upgrade(empty_engine)
    code, _, err = invoke("users list", tmp_path)
    assert (code, err) == (0, "")
