"""The `hotdash rules` commands on stored rules: list, show, test, backtest, enable, disable, export, ...

They join `check` and `fields` (hotdash.detection.cli), which need no database.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.db.cli import command_session, current_database
from hotdash.db.session import session_factory
from hotdash.detection import backtest as backtests
from hotdash.detection import rulefile, service
from hotdash.detection.defaults import install_defaults
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.models import RuleEvaluation
from hotdash.detection.scheduler.jobs import DetectionRunner, run_cycle
from hotdash.store.models import Store

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
Key = Annotated[
    str, typer.Argument(help="The rule's key, e.g. orders.delayed_72h (see `hotdash rules list`).")
]


@contextmanager
def _session() -> Iterator[Session]:
    """Open a unit of work on the settings' database; exit 1 with what to do if it cannot be used."""
    try:
        with command_session() as session:
            yield session
    except (service.UnknownRule, service.RuleInvalid, service.RuleExists) as problem:
        err_console.print(f"Error: {problem}", markup=False)
        raise typer.Exit(1) from problem
    except rulefile.RuleFileInvalid as invalid:
        for error in invalid.errors:
            err_console.print(f"Error: {error}", markup=False)
        raise typer.Exit(1) from invalid


def parse_since(text: str) -> timedelta:
    """Read 30d, 12h or 90m."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhm])\s*", text)
    if not found:
        raise typer.BadParameter("write it as a number and d, h or m, e.g. 30d, 12h")
    amount, unit = float(found.group(1)), found.group(2)
    return (
        timedelta(days=amount)
        if unit == "d"
        else timedelta(hours=amount)
        if unit == "h"
        else timedelta(minutes=amount)
    )


def list_rules() -> None:
    """List the rules: key, kind, entity, severity, state and unresolved detections."""
    with _session() as session:
        counts = service.open_counts(session=session)
        table = Table(title="Rules")
        table.add_column("key", no_wrap=True)  # the handle every other command takes: never broken up
        for heading in ("kind", "entity", "severity", "state", "open", "name"):
            table.add_column(heading)
        for rule in service.list_rules(session=session):
            state = "BROKEN" if rule.broken else ("on" if rule.enabled else "off")
            table.add_row(
                rule.key,
                rule.kind,
                rule.entity,
                rule.severity,
                state,
                str(counts.get(rule.id, 0)),
                escape(rule.name),
            )
        console.print(table)


def show(key: Key) -> None:
    """Show a rule's definition (as YAML), its state, versions and latest evaluations."""
    with _session() as session:
        rule = service.get_rule(session=session, key=key)
        console.print(rulefile.export_rules([rule]), markup=False)
        console.print(
            f"version {rule.version}; {'enabled' if rule.enabled else 'disabled'}"
            + (f"; BROKEN: {rule.last_error}" if rule.broken else ""),
            markup=False,
        )
        for version in service.versions(session=session, rule=rule)[:5]:
            changed = ", ".join(version.diff) or "nothing"
            console.print(
                f"  v{version.version} {version.at:%Y-%m-%d %H:%M} {version.author_label}: {changed}",
                markup=False,
            )
        for e in service.evaluations(session=session, rule=rule, limit=5):
            outcome = (
                f"ERROR {e.error}"
                if e.error
                else f"{e.matches} matches, +{e.opened} -{e.resolved} !{e.realerted}"
            )
            console.print(
                f"  {e.started_at:%Y-%m-%d %H:%M:%S} {e.trigger}: {outcome} in {e.duration_ms:.0f} ms"
                f" ({e.rows_scanned} rows)" + (f" [{e.note}]" if e.note else ""),
                markup=False,
            )


def try_rule(key: Key, limit: Annotated[int, typer.Option(help="Sample records to show.")] = 10) -> None:
    """Show what a rule matches now, without recording anything."""
    with _session() as session:
        rule = service.get_rule(session=session, key=key)
        evaluator = Evaluator(SystemClock())
        started = time.perf_counter()
        total = 0
        for store in session.scalars(select(Store).order_by(Store.id)):
            found = evaluator.matches(session=session, rule=rule, store=store)
            total += len(found)
            for match in list(found.values())[:limit]:
                value = "" if match.value is None else f" value {match.value:g}"
                console.print(
                    f"  store {store.id} {rule.entity} {match.key}: {match.severity}{value}", markup=False
                )
        console.print(
            f"{rule.key}: {total} matching now ({(time.perf_counter() - started) * 1000:.0f} ms)",
            markup=False,
        )
        session.rollback()


def backtest(
    key: Key,
    since: Annotated[str, typer.Option(help="How far back: 30d, 12h, ...")] = "30d",
    step: Annotated[str, typer.Option(help="How often to replay the rule: 6h, 1d, 30m")] = "6h",
) -> None:
    """Show how many detections a rule would have fired per day over a past period, with sample records."""
    span, every = parse_since(since), parse_since(step)
    with _session() as session:
        rule = service.get_rule(session=session, key=key)
        result = backtests.backtest(
            session=session,
            rule=rule,
            now=SystemClock().now(),
            days=span.total_seconds() / 86400,
            step_hours=every.total_seconds() / 3600,
        )
        console.print(
            f"{rule.key}: {result.fired} firings over {since} ({result.instants} instants every {step}); "
            f"{result.matching_at_start} already matching at the start, {result.matching_now} matching now",
            markup=False,
        )
        table = Table(title="Firings per day")
        table.add_column("day")
        table.add_column("firings", justify="right")
        for day, n in result.per_day.items():
            table.add_row(day.isoformat(), str(n))
        console.print(table)
        for match in result.samples:
            console.print(f"  sample: {rule.entity} {match.key} ({match.severity})", markup=False)


def _set(key: str, enabled: bool) -> None:
    with _session() as session:
        rule = service.set_enabled(
            session=session, key=key, enabled=enabled, actor=None, now=SystemClock().now(), author="cli"
        )
        console.print(
            f"{rule.key}: {'enabled' if rule.enabled else 'disabled'} (version {rule.version})", markup=False
        )


def enable(key: Key) -> None:
    """Enable a rule."""
    _set(key, True)


def disable(key: Key) -> None:
    """Disable a rule (its detections stay; it stops evaluating)."""
    _set(key, False)


def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; standard output if not given.")
    ] = None,
) -> None:
    """Export every rule as YAML."""
    with _session() as session:
        text = rulefile.export_rules(service.list_rules(session=session))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", markup=False)


def import_(
    path: Annotated[Path, typer.Argument(help="A YAML file as `hotdash rules export` writes.")],
) -> None:
    """Create or update rules from a YAML file; nothing changes if any rule in it is invalid."""
    text = path.read_text(encoding="utf-8")
    with _session() as session:
        result = rulefile.import_rules(
            session=session, text=text, actor=None, now=SystemClock().now(), author=f"import {path.name}"
        )
    console.print(
        f"created {len(result.created)}, updated {len(result.updated)}, unchanged {len(result.unchanged)}",
        markup=False,
    )


def install_defaults_command() -> None:
    """Add the default rule pack's rules that are missing (edited rules are left as they are)."""
    with _session() as session:
        added = install_defaults(session=session, now=SystemClock().now())
    console.print(
        f"installed {len(added)} default rules" + (f": {', '.join(added)}" if added else ""), markup=False
    )


def _outcome(evaluation: RuleEvaluation) -> str:
    if evaluation.error:
        return f"ERROR {evaluation.error}"
    return (
        f"{evaluation.matches} matches, +{evaluation.opened} -{evaluation.resolved} !{evaluation.realerted}"
    )


def _cycle_summary(results: list[RuleEvaluation]) -> str:
    """One line for a scheduled cycle: how many rules ran and what changed."""
    opened = sum(e.opened for e in results)
    resolved = sum(e.resolved for e in results)
    failed = sum(1 for e in results if e.error)
    rules = f"{len(results)} rule{'s' if len(results) != 1 else ''}"
    return f"ran {rules}: {opened} opened, {resolved} resolved, {failed} failed"


def run(
    once: Annotated[bool, typer.Option("--once", help="One cycle of every enabled rule, then exit.")] = False,
) -> None:
    """Run the rules: once, or on the schedule until interrupted (time and metric rules each minute)."""
    clock = SystemClock()
    if once:
        with _session() as session:
            results = run_cycle(session=session, evaluator=Evaluator(clock), trigger="manual")
            names = {r.id: r.key for r in service.list_rules(session=session)}
            for e in results:
                console.print(
                    f"{names.get(e.rule_id, e.rule_id)}: {_outcome(e)} ({e.duration_ms:.0f} ms)", markup=False
                )
        return
    with current_database() as engine:
        factory = session_factory(engine)
        runner = DetectionRunner(factory, clock)
        evaluator = Evaluator(clock)
        console.print("running detection rules each minute (Ctrl+C stops)", markup=False)
        try:
            while True:
                results = runner.tick(evaluator)
                if results:
                    # A line per cycle, and one per rule that changed something or failed: a terminal left
                    # running shows that the schedule is alive and what it found, not a blank screen.
                    with factory() as session:
                        names = {r.id: r.key for r in service.list_rules(session=session)}
                    console.print(f"{clock.now():%H:%M:%S} {_cycle_summary(results)}", markup=False)
                    for e in results:
                        if e.error or e.opened or e.resolved or e.realerted:
                            target = err_console if e.error else console
                            target.print(f"  {names.get(e.rule_id, e.rule_id)}: {_outcome(e)}", markup=False)
                time.sleep(1.0)
        except KeyboardInterrupt:
            console.print("stopped", markup=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the `hotdash rules` group."""
    app.command(name="list")(list_rules)
    app.command()(show)
    app.command(name="test")(try_rule)
    app.command()(backtest)
    app.command()(enable)
    app.command()(disable)
    app.command()(export)
    app.command(name="import")(import_)
    app.command(name="install-defaults")(install_defaults_command)
    app.command()(run)
