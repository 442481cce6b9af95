"""Database fixtures shared by the whole suite.

`sqlite_engine` is a fresh, migrated SQLite file per test. `pg_engine` is a fresh, migrated database on the
real PostgreSQL server the suite starts itself (see tests/pg_server.py). `engine` runs a test on both;
`empty_engine` does the same with an unmigrated database, for the migration tests.

The PostgreSQL server starts only when a test asks for it, so `pytest -m "not postgres"` never needs it; when
it is asked for and cannot start, the tests fail (never skip) so CI cannot pass without testing PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from hotdash.db import migrate
from hotdash.db.session import make_engine
from tests.pg_server import PgBinariesMissing, PgServer, PgStartError

_STARTED_SERVER = pytest.StashKey[PgServer]()


@pytest.fixture(scope="session", autouse=True)
def outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run the whole suite in a directory of its own, with no HOTDASH_* setting from the shell around it.

    Settings read `.env` and keep the key file and the embedded database under `var/` of the working
    directory: run from the checkout, a test would write `var/secret.key` into it and obey a developer's
    `.env`. Tests that need a setting pass it, or set it with monkeypatch.
    """
    inherited = {name: value for name, value in os.environ.items() if name.startswith("HOTDASH_")}
    for name in inherited:
        del os.environ[name]
    checkout = Path(__file__).resolve().parents[1]
    before = {entry.name for entry in checkout.iterdir()}
    start = Path.cwd()
    workdir = tmp_path_factory.mktemp("workdir")
    os.chdir(workdir)
    try:
        yield workdir
    finally:
        os.chdir(start)
        os.environ.update(inherited)
    # Caches of the tools (.pytest_cache, .hypothesis) are theirs to keep; anything else is a leak.
    left = {entry.name for entry in checkout.iterdir()} - before - {".pytest_cache", ".hypothesis"}
    assert not left, f"the test suite wrote {sorted(left)} into the checkout"


@pytest.fixture(autouse=True)
def own_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test a working directory of its own, so nothing one writes by default meets another."""
    monkeypatch.chdir(tmp_path)


# The databases every `engine`/`empty_engine` test runs on; PostgreSQL is marked so it can be deselected.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hotdash.db'}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run; each test gets a copy (migrating takes seconds)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    # Closing the last connection checkpoints the WAL into the file, so the file alone is the database.
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(sqlite_url: str, sqlite_template: Path) -> Iterator[Engine]:
    shutil.copyfile(sqlite_template, sqlite_url.removeprefix("sqlite:///"))
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_server(request: pytest.FixtureRequest) -> Iterator[PgServer]:
    """The suite's PostgreSQL server, started on first use and removed at the end of the session."""
    problem = None
    try:
        server = PgServer()
        server.__enter__()
    except (PgBinariesMissing, PgStartError) as error:
        problem = str(error)
    if problem is not None:
        # pytest caches a session fixture's failure: every PostgreSQL test errors with it, none skips.
        pytest.fail(problem, pytrace=False)
    request.config.stash[_STARTED_SERVER] = server
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """URL of a new, empty database on the test server, dropped after the test."""
    name = f"hotdash_test_{uuid.uuid4().hex[:12]}"
    pg_server.create_database(name)
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """The name of a database migrated to head once per run, copied by each test that needs one."""
    name = f"hotdash_template_{uuid.uuid4().hex[:8]}"
    pg_server.create_database(name)
    engine = make_engine(pg_server.url(name))
    migrate.upgrade(engine)
    # CREATE DATABASE ... TEMPLATE refuses a template anyone is connected to.
    engine.dispose()
    return name


@pytest.fixture
def pg_engine(pg_server: PgServer, pg_template: str) -> Iterator[Engine]:
    name = f"hotdash_test_{uuid.uuid4().hex[:12]}"
    pg_server.create_database(name, template=pg_template)
    engine = make_engine(pg_server.url(name))
    try:
        yield engine
    finally:
        engine.dispose()
        pg_server.drop_database(name)


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated engine, once on SQLite and once on PostgreSQL."""
    # getfixturevalue keeps the server lazy: the sqlite run never starts PostgreSQL.
    fixture = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    result: Engine = request.getfixturevalue(fixture)
    return result


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database nobody has migrated, once on SQLite and once on PostgreSQL."""
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    server = config.stash.get(_STARTED_SERVER, None)
    if server is not None:
        terminalreporter.write_line(
            f"PostgreSQL test server from {server.bindir} started in {server.startup_seconds:.2f} s"
        )
