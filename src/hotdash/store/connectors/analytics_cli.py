"""`hotdash import-analytics FILE --format ga4-csv|gsc-csv`: import a GA4 or Search Console export."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from hotdash.clock import SystemClock
from hotdash.db.cli import current_database
from hotdash.db.session import session_factory
from hotdash.store.connectors.analytics_import import ExportProblem, import_export
from hotdash.store.ingest.results import UnknownStore

console = Console()
err_console = Console(stderr=True)


class ExportFormat(StrEnum):
    ga4_csv = "ga4-csv"
    gsc_csv = "gsc-csv"


def import_analytics(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The export file.")
    ],
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="ga4-csv (GA4 report download) or gsc-csv (Search Console)."),
    ],
    day: Annotated[
        str | None,
        typer.Option(help="The day (YYYY-MM-DD) a report without a Date column covers, e.g. Pages.csv."),
    ] = None,
    source: Annotated[str | None, typer.Option(help="Source key [default: ga4 or gsc].")] = None,
    store: Annotated[int | None, typer.Option(help="Store id [default: the only store].")] = None,
) -> None:
    """Import page traffic from a GA4 CSV download or a Search Console performance export."""
    try:
        covered = date.fromisoformat(day) if day else None
    except ValueError:
        err_console.print(f"[red]--day {escape(day or '')!r} is not a date like 2025-11-30.[/red]")
        raise typer.Exit(2) from None
    with current_database() as engine, session_factory(engine)() as session:
        try:
            summary = import_export(
                session=session, text=file.read_text(encoding="utf-8-sig"), fmt=fmt.value,
                now=SystemClock().now(), store_id=store, source=source, day=covered,
                filename=file.name, actor="cli",
            )  # fmt: skip
        except (ExportProblem, UnknownStore) as problem:
            session.commit()  # the failed run stays on record
            err_console.print(f"[red]Not imported:[/red] {escape(str(problem))}")
            raise typer.Exit(1) from None
        session.commit()
    console.print(
        f"Imported page traffic from {escape(file.name)} as source {escape(summary.source)}: "
        f"{summary.inserted} inserted, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.stale} stale, {summary.rejected} rejected (run #{summary.run_id}).",
        highlight=False,
    )
    for row in summary.problems[:10]:
        where = f"line {row.line}" if row.line else "record"
        console.print(f"  {where}: {escape(row.message)}", highlight=False)
