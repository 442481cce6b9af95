"""`hotdash sync shopify`: run the Shopify sync from the shell, with a progress display."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import get_settings
from hotdash.store.connectors.shopify.sync import ShopifySync, SyncFailed
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.sources import crypto, service
from hotdash.store.sources.cli import open_engine

console = Console()
err_console = Console(stderr=True)


def pick_source(session: Session, key: str | None) -> str:
    """Return the key to sync: the one given, or the only enabled Shopify source."""
    if key is not None:
        return key
    candidates = [
        s.key for s in service.list_sources(session=session) if s.kind == "shopify" and s.is_enabled
    ]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise service.SourceError(
            "There is no enabled Shopify source. Add one with `hotdash sources add KEY --kind shopify ...`."
        )
    raise service.SourceError(
        f"Several Shopify sources are enabled ({', '.join(candidates)}): pick one with --source."
    )


def shopify(
    source: Annotated[
        str | None,
        typer.Option("--source", help="The source's key (default: the only enabled Shopify source)."),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the stored cursor and pull everything.")
    ] = False,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=250, help="Records per request.")] = 250,
) -> None:
    """Pull new and changed orders, products, customers, locations and stock levels from Shopify.

    Incremental from the stored cursor, committed page by page: a rerun resumes where a sync stopped.
    """
    settings = get_settings()
    with open_engine() as engine:
        factory = session_factory(engine)
        try:
            box = crypto.load_box(settings)
            with unit_of_work(factory) as session:
                key = pick_source(session, source)
                service.get_source(session=session, key=key)
        except (service.SourceError, crypto.SecretKeyError) as exc:
            err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
            raise typer.Exit(1) from None
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed} records"),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def on_page(resource: str, count: int) -> None:
                if resource not in tasks:
                    tasks[resource] = progress.add_task(resource, total=None)
                progress.advance(tasks[resource], count)

            sync = ShopifySync(
                factory=factory,
                key=key,
                box=box,
                clock=SystemClock(),
                upsert=upsert_batch,
                full=full,
                page_size=page_size,
                on_page=on_page,
            )
            try:
                report = sync.run()
            except SyncFailed as exc:
                progress.stop()
                err_console.print(
                    f"[red]Sync of {escape(key)} failed:[/red] {escape(str(exc))}", highlight=False
                )
                raise typer.Exit(1) from None
    console.print(f"Synced {escape(key)}: {escape(report.summary())}", highlight=False)
