"""`hotdash import ENTITY FILE`: load a CSV, NDJSON or JSON file, with a progress bar and a summary."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hotdash.clock import SystemClock
from hotdash.db.cli import current_database
from hotdash.db.session import session_factory
from hotdash.store.ingest.files.formats import FileProblem
from hotdash.store.ingest.files.rejects import describe
from hotdash.store.ingest.files.service import DEFAULT_SOURCE, FileImport, ImportSummary
from hotdash.store.ingest.records import RECORDS
from hotdash.store.ingest.results import UnknownStore

console = Console()
err_console = Console(stderr=True)

Entity = StrEnum("Entity", {name: name for name in RECORDS})  # type: ignore[misc]


class Format(StrEnum):
    csv = "csv"
    ndjson = "ndjson"
    json = "json"


def rejects_path(file: Path, summary: ImportSummary) -> Path:
    suffix = {"csv": ".csv", "ndjson": ".ndjson", "json": ".json"}[summary.format]
    return file.with_name(f"{file.stem}.rejects{suffix}")


def print_summary(summary: ImportSummary, written_to: Path | None) -> None:
    table = Table(title=f"Imported {summary.entity}", title_justify="left")
    for column in ("inserted", "updated", "unchanged", "stale", "rejected"):
        table.add_column(column.capitalize(), justify="right")
    table.add_row(
        *(f"{getattr(summary, c):,}" for c in ("inserted", "updated", "unchanged", "stale", "rejected"))
    )
    console.print(table)
    detail = f"{summary.format}, {summary.encoding}"
    if summary.delimiter is not None:
        detail += f", delimiter {summary.delimiter!r}"
    if summary.parallel:
        detail += ", by a second process"
    console.print(f"Read as {escape(detail)}; run #{summary.run_id}.")
    for reject in summary.first_rejects[:10]:
        console.print(f"  row {reject.number}: {escape(describe(reject.errors))}", highlight=False)
    if written_to is not None:
        console.print(
            f"Rejected rows, with a reason each, are in {escape(str(written_to))}: fix and import it again."
        )


def import_file(
    entity: Annotated[Entity, typer.Argument(help="What the file holds, e.g. orders.")],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The file to import.")
    ],
    source: Annotated[str, typer.Option(help="The source its external ids belong to.")] = DEFAULT_SOURCE,
    store: Annotated[int | None, typer.Option(help="Store id [default: the only store].")] = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", help="csv, ndjson or json [default: from the name or content]."),
    ] = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Where to write rejected rows [default: FILE.rejects.EXT beside it].")
    ] = None,
) -> None:
    """Import a CSV, NDJSON or JSON file of one entity; re-importing the same file changes nothing."""
    with current_database() as engine:
        factory = session_factory(engine)
        with factory() as session, file.open("rb") as binary, Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=err_console, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task(f"{entity.value} from {file.name}", total=file.stat().st_size)

            def chunk_done(_summary: ImportSummary, _rows: int) -> None:
                # One commit per chunk: a crash keeps what was imported, and re-running skips it as unchanged.
                session.commit()
                progress.update(task, completed=job.bytes_read)

            try:
                job = FileImport(
                    session=session,
                    entity=entity.value,
                    binary=binary,
                    filename=file.name,
                    now=SystemClock().now(),
                    store_id=store,
                    source=source,
                    fmt=fmt.value if fmt is not None else None,
                    actor="cli",
                )
                summary = job.run(chunk_done)
            except (FileProblem, UnknownStore) as problem:
                session.commit()  # the failed run stays on record
                hint = " (pass --store ID)" if isinstance(problem, UnknownStore) else ""
                err_console.print(f"[red]Not imported:[/red] {escape(str(problem))}{hint}")
                raise typer.Exit(1) from problem
            session.commit()
        written_to = None
        if summary.rejects is not None:
            written_to = rejects or rejects_path(file, summary)
            written_to.write_text(summary.rejects, encoding="utf-8")
        print_summary(summary, written_to)
