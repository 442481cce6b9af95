"""`hotdash rules ...` on a database file: install, list, disable, export, import, test, backtest, run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from hotdash import cli
from hotdash.db import migrate
from hotdash.db.session import make_engine, session_factory, unit_of_work
from hotdash.detection import rules_cli
from hotdash.detection.models import Detection, RuleEvaluation
from hotdash.settings import Settings, get_settings
from hotdash.store import models as m
from tests.tiles.builders import add

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'rules.db'}"
    for name in Settings.model_fields:
        monkeypatch.setenv(f"HOTDASH_{name.upper()}", "")
        monkeypatch.delenv(f"HOTDASH_{name.upper()}")
    monkeypatch.setenv("HOTDASH_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with unit_of_work(session_factory(engine)) as session:
        store = add(session, m.Store)
        add(
            session,
            m.Order,
            store_id=store.id,
            placed_at=now - timedelta(days=9),
            ship_by=now - timedelta(days=4),
        )
    engine.dispose()
    yield url
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return runner.invoke(cli.app, ["rules", *args])


def said(result: Result) -> str:
    return " ".join(result.output.split())


def test_the_rule_commands_work_on_the_default_pack(database: str, tmp_path: Path) -> None:
    installed = run("install-defaults")
    assert installed.exit_code == 0
    assert "installed 24 default rules" in said(installed)
    listed = run("list")
    assert listed.exit_code == 0
    assert "orders.delayed_72h" in listed.output
    tested = run("test", "orders.delayed_72h")
    assert "orders.delayed_72h: 1 matching now" in said(tested)
    back = run("backtest", "orders.delayed_72h", "--since", "7d", "--step", "12h")
    assert back.exit_code == 0
    assert "1 firings over 7d" in said(back)
    once = run("run", "--once")
    assert once.exit_code == 0
    assert "orders.delayed_72h: 1 matches, +1" in said(once)
    assert "ERROR" not in once.output
    off = run("disable", "orders.delayed_72h")
    assert "orders.delayed_72h: disabled (version 2)" in said(off)
    shown = run("show", "orders.delayed_72h")
    assert "v2" in shown.output
    assert "enabled" in shown.output
    assert "1 matches" in said(shown)

    exported = tmp_path / "rules.yaml"
    assert run("export", "-o", str(exported)).exit_code == 0
    text = exported.read_text(encoding="utf-8").replace(
        "delay_hours > tunable('fulfillment.refund_offer_hours')", "delay_hours > 96"
    )
    exported.write_text(text, encoding="utf-8")
    imported = run("import", str(exported))
    assert imported.exit_code == 0
    assert "created 0, updated 1, unchanged 23" in said(imported)

    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("delay_hours > 96", "delay_hourss > 96"), encoding="utf-8")
    refused = run("import", str(broken))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "delay_hours > 96" in row)
    assert refused.exit_code == 1
    assert f"line {line}: rule orders.delayed_72h, expression" in said(refused)
    assert run("show", "nope").exit_code == 1


def test_run_on_the_schedule_says_what_each_cycle_did(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("install-defaults").exit_code == 0
    monkeypatch.setattr(rules_cli.time, "sleep", _stop_after_first_cycle)

    result = run("run")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "running detection rules each minute (Ctrl+C stops)"
    engine = make_engine(database)
    try:
        with session_factory(engine)() as session:
            ran = session.scalar(select(func.count()).select_from(RuleEvaluation))
            opened = session.scalar(select(func.count()).select_from(Detection))
    finally:
        engine.dispose()
    assert ran
    assert opened  # the late order is found by the delay rules
    summary = re.fullmatch(r"\d\d:\d\d:\d\d ran (\d+) rules: (\d+) opened, 0 resolved, 0 failed", lines[1])
    assert summary is not None, lines[1]
    assert (int(summary.group(1)), int(summary.group(2))) == (ran, opened)
    assert "  orders.delayed_72h: 1 matches, +1 -0 !0" in lines
    assert lines[-1] == "stopped"


def _stop_after_first_cycle(_seconds: float) -> None:
    raise KeyboardInterrupt
