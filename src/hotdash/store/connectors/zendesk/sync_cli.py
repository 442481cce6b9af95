"""`hotdash sync zendesk`: run the Zendesk ticket export from the shell."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import get_settings
from hotdash.store.connectors.zendesk.sync import SyncFailed, ZendeskSync
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.sources import crypto, service
from hotdash.store.sources.cli import open_engine

console = Console()
err_console = Console(stderr=True)


def pick_source(session: Session, key: str | None) -> str:
    """Return the key to sync: the one given, or the only enabled Zendesk source."""
    if key is not None:
        return key
    keys = [s.key for s in service.list_sources(session=session) if s.kind == "zendesk" and s.is_enabled]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise service.SourceError(
            "There is no enabled Zendesk source. Add one with `hotdash sources add KEY --kind zendesk "
            "--setting subdomain=... --setting email=...`."
        )
    raise service.SourceError(
        f"Several Zendesk sources are enabled ({', '.join(keys)}): pick one with --source."
    )


def zendesk(
    source: Annotated[
        str | None, typer.Option("--source", help="The source's key [default: the only one].")
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the stored cursor and export from start_time.")
    ] = False,
) -> None:
    """Pull new and changed tickets from Zendesk's incremental export (with requesters, agents and metrics).

    Each page is committed with its cursor, so an interrupted sync loses nothing and the next run resumes.
    """
    with open_engine() as engine:
        factory = session_factory(engine)
        try:
            box = crypto.load_box(get_settings())
            with unit_of_work(factory) as session:
                key = pick_source(session, source)
                service.get_source(session=session, key=key)
        except (service.SourceError, crypto.SecretKeyError) as exc:
            err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
            raise typer.Exit(1) from None
        sync = ZendeskSync(
            factory=factory, key=key, box=box, clock=SystemClock(), upsert=upsert_batch, full=full
        )
        try:
            report = sync.run()
        except SyncFailed as exc:
            err_console.print(f"[red]Sync of {escape(key)} failed:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None
    console.print(f"Synced {escape(key)}: {escape(report.summary())}", highlight=False)
