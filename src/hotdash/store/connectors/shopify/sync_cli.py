"""`hotdash sync shopify`: run the Shopify sync from the shell, with a progress display."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import SystemClock
from hotdash.store.connectors.shopify.sync import ShopifySync
from hotdash.store.connectors.syncing import OnPage, run_sync_command
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.sources.crypto import SecretBox


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

    def make(factory: sessionmaker[Session], key: str, box: SecretBox, on_page: OnPage) -> ShopifySync:
        return ShopifySync(factory=factory, key=key, box=box, clock=SystemClock(), upsert=upsert_batch,
                           full=full, page_size=page_size, on_page=on_page)  # fmt: skip

    run_sync_command(
        source=source,
        kind="shopify",
        label="Shopify",
        add_hint="hotdash sources add KEY --kind shopify --setting shop=NAME.myshopify.com",
        make=make,
    )
