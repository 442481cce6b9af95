"""`hotdash demo`'s generation half: a progress bar over the load and a report of what was made."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hotdash.clock import SystemClock
from hotdash.db.session import engine_from_settings
from hotdash.settings import Settings
from hotdash.store.demo.dataset import DemoData
from hotdash.store.demo.service import DemoReport, generate_demo


def run_demo(*, settings: Settings, size: str, seed: int, force: bool, console: Console) -> DemoReport:
    """Generate the demo store into the configured database, showing progress; return the report."""
    engine = engine_from_settings(settings)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task(f"Generating the {size} demo store", total=None)

            def generated(data: DemoData) -> None:
                total = sum(data.row_count(t) for t in data.order)
                progress.update(task, description="Loading rows", total=total, completed=0)

            def loaded(table: str, rows: int) -> None:
                progress.update(task, advance=rows, description=f"Loading {table}")

            report = generate_demo(
                engine=engine,
                clock=SystemClock(),
                size=size,
                seed=seed,
                force=force,
                progress=loaded,
                on_generated=generated,
            )
            progress.update(task, description="Loaded")
    finally:
        engine.dispose()
    _print_report(report, settings, console)
    return report


def _print_report(report: DemoReport, settings: Settings, console: Console) -> None:
    table = Table(
        title=f"Demo store ({report.size}, seed {report.seed}), data up to {report.now:%Y-%m-%d %H:%M} UTC"
    )
    table.add_column("Table")
    table.add_column("Rows", justify="right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}")
    table.add_row("[b]total[/b]", f"[b]{report.total_rows:,}[/b]")
    console.print(table)
    console.print(
        f"Generated in {report.generate_seconds:.1f} s, loaded in {report.load_seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s) into {settings.resolved_database_url()}"
    )
    s = report.scenarios
    console.print("[b]Situations in the data[/b]")
    for line in (
        f"{s.delayed_carrier} delay wave: {s.delay_wave_shipments} parcels stalled at the hub, "
        f"{s.wismo_tickets_in_wave} 'where is my order' tickets",
        f"{s.backlogged_location}: orders piling up past their ship-by promise",
        f"Top sellers with under 3 days of cover: {', '.join(s.low_cover_top_skus)}",
        f"Traffic drop on {s.dropping_page}",
        f"Refund requests over $500 waiting for the manager: {', '.join(s.high_value_refund_orders)}",
        f"Legal threat: {s.legal_ticket}; regulatory complaint: {s.regulatory_ticket}",
    ):
        console.print(f"  - {line}")
