"""`hotdash import`: counts, the first rejects, a rejects file beside it, exit 1 when unreadable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from hotdash import cli
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory
from hotdash.settings import Settings, get_settings
from hotdash.store.models import Customer, ImportRun
from tests.store.ingest.conftest import add_store

runner = CliRunner()
CSV = (
    "external_id;email;name;created_at;updated_at\n"
    "C1;ada@example.com;Ada;2026-11-01T10:00:00Z;2026-11-01T10:00:00Z\n"
    "C2;bob@example.com;Bob;2026-11-01;someday\n"
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for name in Settings.model_fields:
        monkeypatch.delenv(f"HOTDASH_{name.upper()}", raising=False)
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_factory(engine)() as session:
        add_store(session)
        session.commit()
    engine.dispose()
    yield url
    get_settings.cache_clear()


def said(output: str) -> str:
    return " ".join(output.split())


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        found = (
            session.execute(select(func.count()).select_from(Customer)).scalar_one(),
            session.execute(select(func.count()).select_from(ImportRun)).scalar_one(),
        )
    engine.dispose()
    return found


def test_import_prints_the_summary_and_writes_the_rejects_beside_the_file(
    database: str, tmp_path: Path
) -> None:
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")

    result = runner.invoke(cli.app, ["import", "customers", str(source), "--source", "crm"])

    assert result.exit_code == 0, result.output
    text = said(result.output)
    assert "Imported customers" in text
    assert "row 3: updated_at: 'someday' is not a timestamp" in text
    rejects = tmp_path / "people.rejects.csv"
    assert (
        rejects.read_text(encoding="utf-8").splitlines()[0]
        == "external_id;email;name;created_at;updated_at;_error"
    )
    assert counts(database) == (1, 1)

    fixed = tmp_path / "fixed.csv"
    fixed.write_text(rejects.read_text(encoding="utf-8").replace("someday", "2026-11-02"), encoding="utf-8")
    again = runner.invoke(
        cli.app, ["import", "customers", str(fixed), "--source", "crm", "--rejects", str(tmp_path / "r")]
    )
    assert again.exit_code == 0, again.output
    assert not (tmp_path / "r").exists()
    assert counts(database) == (2, 2)


def test_an_unreadable_file_exits_1_and_says_why(database: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")

    result = runner.invoke(cli.app, ["import", "orders", str(empty)])

    assert result.exit_code == 1
    assert "Not imported: the file is empty" in said(result.output)
    assert counts(database) == (0, 1)


def test_a_large_file_is_read_by_a_second_process_and_every_row_lands(database: str, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    lines = ["external_id,email,name,created_at,updated_at"]
    # Just over the size that starts a worker (8 MB), with two bad rows far apart.
    count, size = 0, len(lines[0]) + 1
    while size < (8 << 20) + 1000:
        stamp = "not a time" if count in (7, 60_000) else "2026-11-01T10:00:00Z"
        lines.append(f"L{count},l{count}@example.com,Customer number {count} of the big file,{stamp},{stamp}")
        size += len(lines[-1]) + 1
        count += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(cli.app, ["import", "customers", str(path)])
    assert result.exit_code == 0, result.output
    text = said(result.output)
    assert "by a second process" in text
    assert f"{count - 2:,}" in text
    assert "row 9:" in text
    assert "row 60002:" in text
    assert counts(database) == (count - 2, 1)
