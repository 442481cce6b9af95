"""`hotdash sync chatwoot`: read every conversation of a Chatwoot account into tickets."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import SystemClock
from hotdash.store.connectors.chatwoot.sync import ChatwootSync
from hotdash.store.connectors.syncing import OnPage, run_sync_command
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.sources.crypto import SecretBox


def chatwoot(
    source: Annotated[
        str | None, typer.Option("--source", help="The source's key [default: the only one].")
    ] = None,
) -> None:
    """Read every conversation of the account (all statuses) into tickets: a backfill beside the webhooks."""

    def make(factory: sessionmaker[Session], key: str, box: SecretBox, on_page: OnPage) -> ChatwootSync:
        return ChatwootSync(factory=factory, key=key, box=box, clock=SystemClock(), upsert=upsert_batch,
                            on_page=on_page)  # fmt: skip

    run_sync_command(
        source=source,
        kind="chatwoot",
        label="Chatwoot",
        add_hint="hotdash sources add KEY --kind chatwoot --setting api_url=... --setting account_id=...",
        make=make,
    )
