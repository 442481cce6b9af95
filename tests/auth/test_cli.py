"""`hotdash users ...` and `hotdash tokens ...` on the database the settings name."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from hotdash import cli
from hotdash.auth import service
from hotdash.auth.models import AuditEntry, User
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory
from hotdash.settings import Settings, get_settings

runner = CliRunner()
SECRET = "a long cli password"


@pytest.fixture
def cli_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated SQLite file that the command's settings point at."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(cli.app, list(args), input=input)


def said(result: Result) -> str:
    return " ".join(result.output.split())


def user(engine: Engine, email: str) -> User | None:
    with session_factory(engine)() as session:
        return service.find_user(session=session, email=email)


def test_create_prompts_for_the_password_without_echoing_it(
    cli_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        result = run(
            "users",
            "create",
            "--email",
            "Ana@Example.com",
            "--name",
            "Ana",
            "--role",
            "manager",
            input=f"{SECRET}\n{SECRET}\n",
        )

    assert result.exit_code == 0, result.output
    assert "Added ana@example.com (manager)." in said(result)
    assert SECRET not in result.output
    assert SECRET not in caplog.text
    created = user(cli_engine, "ana@example.com")
    assert created is not None
    assert created.role == "manager"
    with session_factory(cli_engine)() as session:
        assert service.authenticate(
            session=session, email="ana@example.com", password=SECRET, now=datetime.now(UTC)
        )
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_label) == ("user.create", "system")


def test_create_asks_again_when_the_two_passwords_differ(cli_engine: Engine) -> None:
    result = run(
        "users",
        "create",
        "--email",
        "ana@example.com",
        "--name",
        "Ana",
        input=f"{SECRET}\n{SECRET}x\n{SECRET}\n{SECRET}\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert user(cli_engine, "ana@example.com") is not None


def test_a_short_password_is_refused_with_the_rule(cli_engine: Engine) -> None:
    result = run("users", "create", "--email", "ana@example.com", "--name", "Ana", "--password", "tooshort")

    assert result.exit_code == 1
    assert "at least 12 characters" in said(result)
    assert "tooshort" not in result.output
    assert user(cli_engine, "ana@example.com") is None


def test_list_and_set_role(cli_engine: Engine) -> None:
    run("users", "create", "--email", "ana@example.com", "--name", "Ana López", "--password", SECRET)

    changed = run("users", "set-role", "--email", "ANA@example.com", "--role", "admin")
    listed = run("users", "list")

    assert changed.exit_code == 0, changed.output
    assert "ana@example.com is now admin." in said(changed)
    assert "ana@example.com" in listed.output
    assert "Ana López" in listed.output
    assert "admin" in listed.output
    assert "never" in listed.output  # has not signed in yet
    unknown = run("users", "set-role", "--email", "nobody@example.com", "--role", "viewer")
    assert unknown.exit_code == 1
    assert "no user with that email" in said(unknown)


def test_token_create_prints_the_token_once(cli_engine: Engine) -> None:
    run("users", "create", "--email", "robot@example.com", "--name", "Robot", "--password", SECRET)

    result = run("tokens", "create", "--email", "robot@example.com", "--name", "nightly export")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("hd_")
    assert result.output.count(token) == 1
    with session_factory(cli_engine)() as session:
        found = service.resolve_token(session=session, token=token, now=datetime.now(UTC))
    assert found is not None
    assert found[1].email == "robot@example.com"
    listed = run("tokens", "list")
    assert token not in listed.output
    assert token[:11] in listed.output
    revoked = run("tokens", "revoke", str(found[0].id))
    assert revoked.exit_code == 0, revoked.output
    with session_factory(cli_engine)() as session:
        assert service.resolve_token(session=session, token=token, now=datetime.now(UTC)) is None


def test_commands_on_an_unmigrated_database_say_what_to_run(cli_engine: Engine) -> None:
    migrate.downgrade(cli_engine, "base")

    result = run("users", "list")

    assert result.exit_code == 1
    assert result.stderr == "The database is not set up: run hotdash db upgrade.\n"


def test_demo_admin_helper_is_reexported_for_the_demo_command() -> None:
    from hotdash.auth import cli as auth_cli

    assert auth_cli.ensure_demo_admin is service.ensure_demo_admin
