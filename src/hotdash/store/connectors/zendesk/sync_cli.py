"""`hotdash sync zendesk`: run the Zendesk ticket export from the shell."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import SystemClock
from hotdash.store.connectors.syncing import OnPage, run_sync_command
from hotdash.store.connectors.zendesk.sync import ZendeskSync
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.sources.crypto import SecretBox


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

    def make(factory: sessionmaker[Session], key: str, box: SecretBox, on_page: OnPage) -> ZendeskSync:
        return ZendeskSync(factory=factory, key=key, box=box, clock=SystemClock(), upsert=upsert_batch,
                           full=full, on_page=on_page)  # fmt: skip

    run_sync_command(
        source=source,
        kind="zendesk",
        label="Zendesk",
        add_hint="hotdash sources add KEY --kind zendesk --setting subdomain=... --setting email=...",
        make=make,
    )
