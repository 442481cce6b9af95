"""`hotdash import-analytics` and `hotdash sync zendesk` on the database the settings name (SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from hotdash import cli
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory
from hotdash.settings import Settings, get_settings
from hotdash.store.models import ImportRun, PageTraffic, Ticket
from hotdash.store.sources.crypto import new_key
from tests.store.connectors.helpers import FIXTURES, seed_shop
from tests.store.connectors.zendesk.replay_zendesk import EMAIL, TOKEN, ReplayZendesk

runner = CliRunner()


@pytest.fixture
def cli_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    monkeypatch.setenv("HOTDASH_SECRET_KEY", new_key())
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        seed_shop(session)
    yield engine
    engine.dispose()
    get_settings.cache_clear()


def run(*args: str, input: str | None = None) -> Result:
    return runner.invoke(cli.app, list(args), input=input)


def said(result: Result) -> str:
    return " ".join(result.output.split())


def test_import_a_ga4_download_then_search_console_pages(cli_engine: Engine) -> None:
    ga4 = run("import-analytics", str(FIXTURES / "ga4" / "landing_pages.csv"), "--format", "ga4-csv")
    assert ga4.exit_code == 0, ga4.output
    assert "3 inserted, 0 updated, 0 unchanged, 0 stale, 1 rejected" in said(ga4)
    assert "line 15: not a number: 'oops'" in said(ga4)
    gsc = run(
        "import-analytics", str(FIXTURES / "gsc" / "Pages.csv"), "--format", "gsc-csv", "--day", "2025-11-30"
    )
    assert gsc.exit_code == 0, gsc.output
    assert "as source gsc: 1 inserted, 2 updated" in said(gsc)  # "/" and the blog post were there
    with session_factory(cli_engine)() as session:
        home = session.scalars(select(PageTraffic).where(PageTraffic.landing_page == "/")).one()
        assert (home.day, home.sessions, home.search_clicks) == (date(2025, 11, 30), 867, 340)
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.source, r.entity, r.status, r.rejected) for r in runs] == [
            ("ga4", "page_traffic", "done", 1), ("gsc", "page_traffic", "done", 0),
        ]  # fmt: skip
        assert runs[0].rejects == "line,error\n15,not a number: 'oops'\n"


def test_a_pages_export_without_its_day_is_refused_and_recorded(cli_engine: Engine) -> None:
    result = run("import-analytics", str(FIXTURES / "gsc" / "Pages.csv"), "--format", "gsc-csv")
    assert result.exit_code == 1
    assert "covers the report's whole date range" in said(result)
    with session_factory(cli_engine)() as session:
        assert session.scalars(select(ImportRun.status)).all() == ["failed"]
        assert session.scalars(select(PageTraffic)).all() == []


@pytest.fixture
def zendesk() -> Iterator[ReplayZendesk]:
    yield from ReplayZendesk().serve()


def test_add_a_zendesk_source_set_its_token_and_sync(cli_engine: Engine, zendesk: ReplayZendesk) -> None:
    added = run(
        "sources", "add", "zendesk", "--kind", "zendesk", "--name", "Acme support", "--store-id", "1",
        "--setting", f"api_url={zendesk.base_url}", "--setting", f"email={EMAIL}",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    secret = run("sources", "set-secret", "zendesk", "api_token", "--stdin", input=TOKEN + "\n")
    assert secret.exit_code == 0, secret.output
    synced = run("sync", "zendesk")
    assert synced.exit_code == 0, synced.output
    assert "Synced zendesk: 2 pages" in said(synced)
    assert TOKEN not in synced.output
    with session_factory(cli_engine)() as session:
        stored = session.scalars(select(Ticket.external_id).where(Ticket.source == "zendesk")).all()
        assert sorted(stored) == ["5001", "5002", "5003", "5004"]
