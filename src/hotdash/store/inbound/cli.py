"""`hotdash ingest ...`: map stored webhook deliveries from the command line, see and retry failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, func, select

from hotdash.clock import SystemClock
from hotdash.db.cli import current_database
from hotdash.settings import get_settings
from hotdash.store.connectors import webhook_registry
from hotdash.store.inbound.processor import InboundProcessor
from hotdash.store.models.ingest import InboundEvent

app = typer.Typer(
    help="Webhook deliveries: map them into the model, see and retry failures.", no_args_is_help=True
)
console = Console()


@contextmanager
def _processor() -> Iterator[tuple[InboundProcessor, Engine]]:
    with current_database() as engine:
        yield InboundProcessor(engine, webhook_registry(get_settings()), SystemClock()), engine


@app.command()
def process(
    limit: Annotated[int | None, typer.Option(help="Stop after this many deliveries.")] = None,
) -> None:
    """Map every pending delivery, oldest first (and earlier failures that have attempts left)."""
    with _processor() as (processor, _):
        result = processor.drain(limit=limit)
    console.print(f"processed {result.processed}, ignored {result.ignored}, failed {result.failed}")
    if result.failed:
        raise typer.Exit(code=3)


@app.command()
def retry(
    source: Annotated[str | None, typer.Option(help="Only this source, e.g. shopify.")] = None,
    include_ignored: Annotated[
        bool, typer.Option(help="Also deliveries of topics that were not mapped (after adding a mapper).")
    ] = False,
) -> None:
    """Put failed deliveries back in line, then map them."""
    with _processor() as (processor, _):
        count = processor.retry_failed(source=source, include_ignored=include_ignored)
        result = processor.drain()
    console.print(
        f"requeued {count}; processed {result.processed}, ignored {result.ignored}, failed {result.failed}"
    )
    if result.failed:
        raise typer.Exit(code=3)


@app.command()
def status() -> None:
    """Show how many deliveries are in each state, and the latest failures with their errors."""
    with _processor() as (_, engine), engine.connect() as connection:
        counts = connection.execute(
            select(InboundEvent.source, InboundEvent.status, func.count())
            .group_by(InboundEvent.source, InboundEvent.status)
            .order_by(InboundEvent.source, InboundEvent.status)
        ).all()
        failures = connection.execute(
            select(InboundEvent.source, InboundEvent.delivery_id, InboundEvent.topic, InboundEvent.error)
            .where(InboundEvent.status == "failed")
            .order_by(InboundEvent.id.desc())
            .limit(10)
        ).all()
    table = Table("source", "status", "deliveries")
    for source, state, count in counts:
        table.add_row(source, state, str(count))
    console.print(table)
    for source, delivery_id, topic, error in failures:
        console.print(
            f"[red]failed[/red] {escape(source)} {escape(delivery_id)} {escape(topic)}: {escape(error or '')}"
        )
