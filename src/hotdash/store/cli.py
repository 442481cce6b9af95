"""Store commands: `hotdash info` shows what is loaded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hotdash.db.cli import command_session
from hotdash.store import service
from hotdash.store.schemas import DatasetSummaryOut

console = Console()
err_console = Console(stderr=True)


def _when(value: datetime | date | None, zone: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(zone))
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    # A day is already in the store's calendar; there is nothing to convert.
    return value.isoformat()


def load_summary() -> service.DatasetSummary:
    """Read the dataset summary from the settings' database; exit 1 if its schema is not current."""
    with command_session() as session:
        return service.dataset_summary(session=session)


def print_summary(summary: service.DatasetSummary) -> None:
    """Print the summary as Rich tables: stores, date range, rows per entity."""
    zone = summary.display_timezone
    if summary.is_empty:
        console.print("[bold]No data yet[/bold] — run `hotdash demo` or import data.")
    else:
        stores = Table(title="Stores", title_justify="left")
        for column in ("Name", "Currency", "Timezone"):
            stores.add_column(column)
        for store in summary.stores:
            # Store names come from imported data: escape them so "[b]" is shown, not interpreted.
            stores.add_row(escape(store.name), escape(store.currency), escape(store.timezone))
        console.print(stores)

        span = summary.date_range
        ranges = Table(title=f"Date range (times in {zone})", title_justify="left")
        for column in ("Data", "From", "To"):
            ranges.add_column(column)
        ranges.add_row("Orders placed", _when(span.orders.first, zone), _when(span.orders.last, zone))
        ranges.add_row("Tickets created", _when(span.tickets.first, zone), _when(span.tickets.last, zone))
        ranges.add_row(
            "Page traffic days", _when(span.page_traffic.first, zone), _when(span.page_traffic.last, zone)
        )
        console.print(ranges)

    counts = Table(title="Records", title_justify="left", show_footer=True)
    counts.add_column("Entity", footer="Total")
    counts.add_column("Rows", justify="right", footer=f"{summary.total_rows:,}")
    for entity in summary.entities:
        counts.add_row(entity.label, f"{entity.count:,}", style="dim" if entity.count == 0 else None)
    console.print(counts)
    console.print(f"Schema revision {summary.schema_revision} (head {summary.head_revision})", style="dim")


def info(
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (the shape of GET /api/v1/info).")
    ] = False,
) -> None:
    """Show what is loaded: rows per entity, the stores, the date range and the schema revision."""
    summary = load_summary()
    if json_output:
        # Plain stdout, no Rich: the output is meant for jq and scripts, so no wrapping or colour.
        typer.echo(DatasetSummaryOut.from_summary(summary).model_dump_json(indent=2))
    else:
        print_summary(summary)
