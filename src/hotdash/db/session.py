"""Engines and the unit of work.

Services only `flush()`; whoever opens the unit of work (a request, a CLI command, a job) commits it, so a
change that spans several services is atomic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from hotdash.settings import Settings


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 module starts transactions itself and leaves DDL outside them, so a migration that
    # fails halfway would leave half a schema. Let SQLAlchemy issue BEGIN instead (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while an import writes; NORMAL is durable across application crashes in WAL
    # mode (only an OS crash can lose the last commits), which is the embedded default's trade-off.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 64 MB of page cache per connection (the default is 2 MB): the dashboard's reads fit in memory.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    # A transaction that reads and then writes must take SQLite's write lock at BEGIN: in WAL mode a read
    # snapshot that another writer has moved past cannot be upgraded, and SQLite then answers "database is
    # locked" at once instead of waiting out busy_timeout. Writers ask for it with this execution option
    # (`writing_session_factory`, `writer_unit_of_work`, and every request that may change data).
    immediate = connection.get_execution_options().get("sqlite_begin_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for `url`, with SQLite tuned for the embedded default."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def engine_from_settings(settings: Settings) -> Engine:
    """Create the engine the settings point at."""
    return make_engine(settings.resolved_database_url(), echo=settings.sql_echo)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to `engine`; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def writing_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory for background jobs that read then write while other connections commit.

    On SQLite each transaction begins IMMEDIATE (holding the write lock from the start, so it waits for
    others instead of failing); PostgreSQL ignores the option.
    """
    return sessionmaker(bind=engine.execution_options(sqlite_begin_immediate=True), expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit it if the block succeeds, roll it back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def writer_unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work that takes the database's write lock when it starts (SQLite), then reads and writes."""
    with unit_of_work(factory) as session:
        session.connection(execution_options={"sqlite_begin_immediate": True})
        yield session
