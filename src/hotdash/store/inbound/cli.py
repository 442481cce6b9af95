"""`hotdash ingest ...`: map stored webhook deliveries from the command line, see and retry failures."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import Engine, func, select

from hotdash.clock import SystemClock
from hotdash.db import migrate
from hotdash.db.session import engine_from_settings
from hotdash.settings import get_settings
from hotdash.store.connectors import webhook_registry
from hotdash.store.inbound.processor import InboundProcessor
from hotdash.store.models.ingest import InboundEvent

app = typer.Typer(
    help="Webhook deliveries: map them into the model, see and retry failures.", no_args_is_help=True
)
console = Console()


def _processor() -> tuple[InboundProcessor, Engine]:
    settings = get_settings()
    engine = engine_from_settings(settings)
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        engine.dispose()
        console.print("[red]The database schema is not current.[/red] Run `hotdash db upgrade` first.")
        raise typer.Exit(code=1)
    processor = InboundProcessor(engine, webhook_registry(settings), SystemClock())
    return processor, engine


@app.command()
def process(
    limit: Annotated[int | None, typer.Option(help="Stop after this many deliveries.")] = None,
) -> None:
    """Map every pending delivery, oldest first (and earlier failures that have attempts left)."""
    processor, engine = _processor()
    try:
        result = processor.drain(limit=limit)
    finally:
        engine.dispose()
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
    processor, engine = _processor()
    try:
        count = processor.retry_failed(source=source, include_ignored=include_ignored)
        result = processor.drain()
    finally:
        engine.dispose()
    console.print(
        f"requeued {count}; processed {result.processed}, ignored {result.ignored}, failed {result.failed}"
    )
    if result.failed:
        raise typer.Exit(code=3)


@app.command()
def status() -> None:
    """Show how many deliveries are in each state, and the latest failures with their errors."""
    _, engine = _processor()
    try:
        with engine.connect() as connection:
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
    finally:
        engine.dispose()
    table = Table("source", "status", "deliveries")
    for source, state, count in counts:
        table.add_row(source, state, str(count))
    console.print(table)
    for source, delivery_id, topic, error in failures:
        console.print(
            f"[red]failed[/red] {escape(source)} {escape(delivery_id)} {escape(topic)}: {escape(error or '')}"
        )
