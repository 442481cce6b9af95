"""`hotdash sync chatwoot`: read every conversation of a Chatwoot account into tickets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import get_settings
from hotdash.store.connectors.chatwoot.sync import ChatwootSync, SyncFailed
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.sources import crypto, service
from hotdash.store.sources.cli import open_engine

console = Console()
err_console = Console(stderr=True)


def pick_source(session: Session, key: str | None) -> str:
    """Return the key to sync: the one given, or the only enabled Chatwoot source."""
    if key is not None:
        return key
    keys = [s.key for s in service.list_sources(session=session) if s.kind == "chatwoot" and s.is_enabled]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise service.SourceError(
            "There is no enabled Chatwoot source. Add one with `hotdash sources add chatwoot --kind chatwoot "
            "--setting api_url=... --setting account_id=...`."
        )
    raise service.SourceError(
        f"Several Chatwoot sources are enabled ({', '.join(keys)}): pick one with --source."
    )


def chatwoot(
    source: Annotated[
        str | None, typer.Option("--source", help="The source's key [default: the only one].")
    ] = None,
) -> None:
    """Read every conversation of the account (all statuses) into tickets: a backfill beside the webhooks."""
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
        sync = ChatwootSync(factory=factory, key=key, box=box, clock=SystemClock(), upsert=upsert_batch)
        try:
            report = sync.run()
        except SyncFailed as exc:
            err_console.print(f"[red]Sync of {escape(key)} failed:[/red] {escape(str(exc))}", highlight=False)
            raise typer.Exit(1) from None
    console.print(f"Synced {escape(key)}: {escape(report.summary())}", highlight=False)
