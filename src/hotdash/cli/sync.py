"""`hotdash sync <source kind>`: one command per connector that pulls from an API."""

from __future__ import annotations

import typer

from hotdash.store.connectors.chatwoot import sync_cli as chatwoot_sync_cli
from hotdash.store.connectors.shopify import sync_cli as shopify_sync_cli
from hotdash.store.connectors.zendesk import sync_cli as zendesk_sync_cli

app = typer.Typer(name="sync", help="Pull new and changed records from a source's API.", no_args_is_help=True)
app.command("shopify")(shopify_sync_cli.shopify)
app.command("zendesk")(zendesk_sync_cli.zendesk)
app.command("chatwoot")(chatwoot_sync_cli.chatwoot)
