"""The `hotdash` command: mounts each context's commands."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from hotdash.app import create_app
from hotdash.auth import cli as auth_cli
from hotdash.clock import SystemClock
from hotdash.db import cli as db_cli
from hotdash.db import migrate
from hotdash.db.session import engine_from_settings, session_factory, unit_of_work
from hotdash.detection import cli as detection_cli
from hotdash.kernel.jobs import cli as jobs_cli
from hotdash.settings import Settings, get_settings
from hotdash.store import cli as store_cli
from hotdash.store.connectors import analytics_cli
from hotdash.store.connectors.chatwoot import sync_cli as chatwoot_sync_cli
from hotdash.store.connectors.shopify import sync_cli as shopify_sync_cli
from hotdash.store.connectors.zendesk import sync_cli as zendesk_sync_cli
from hotdash.store.demo.cli import run_demo
from hotdash.store.demo.service import DemoRefusedError
from hotdash.store.inbound import cli as inbound_cli
from hotdash.store.ingest import cli as ingest_cli
from hotdash.store.sources import cli as sources_cli
from hotdash.tiles import cli as tiles_cli
from hotdash.worker import run_worker

logger = logging.getLogger("hotdash.serve")

app = typer.Typer(
    name="hotdash",
    help="HotDash: the operations control center for online stores.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(db_cli.app, name="db")
app.add_typer(auth_cli.users_app, name="users")
app.add_typer(auth_cli.tokens_app, name="tokens")
app.add_typer(sources_cli.sources_app, name="sources")
app.add_typer(inbound_cli.app, name="ingest")
app.add_typer(detection_cli.app, name="rules")
app.command(name="info")(store_cli.info)
app.add_typer(jobs_cli.app, name="jobs")

# `hotdash sync <source kind>`: one command per connector that pulls from an API.
sync_app = typer.Typer(
    name="sync", help="Pull new and changed records from a source's API.", no_args_is_help=True
)
sync_app.command("shopify")(shopify_sync_cli.shopify)
sync_app.command("zendesk")(zendesk_sync_cli.zendesk)
sync_app.command("chatwoot")(chatwoot_sync_cli.chatwoot)
app.add_typer(sync_app, name="sync")
app.command(name="tiles")(tiles_cli.tiles)
app.command(name="import")(ingest_cli.import_file)
app.command(name="import-analytics")(analytics_cli.import_analytics)


def ensure_schema(settings: Settings) -> None:
    """Upgrade the database to the newest schema if it is behind; log what was done."""
    engine = engine_from_settings(settings)
    try:
        current, head = migrate.current_revision(engine), migrate.head_revision()
        if current == head:
            logger.info("database schema is at %s (head)", head)
            return
        logger.warning("database schema is at %s, upgrading to %s", current or "nothing", head)
        migrate.upgrade(engine)
        logger.info("database schema upgraded to %s", head)
    finally:
        engine.dispose()


def serve_app(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Upgrade the schema if needed, then serve create_app(settings) until interrupted.

    `hotdash serve` and `hotdash demo` both end here, so the two start the server the same way.
    """
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s - %(message)s")
    ensure_schema(settings)
    if settings.detection_scheduler is None:
        # The server is where rules run each minute; say HOTDASH_DETECTION_SCHEDULER=false to turn it off.
        settings = settings.model_copy(update={"detection_scheduler": True})
    if settings.jobs_in_process is None:
        # The embedded default runs its jobs in the server's process; with PostgreSQL run `hotdash worker`.
        in_process = settings.resolved_database_url().startswith("sqlite")
        settings = settings.model_copy(update={"jobs_in_process": in_process})
    # Alembic logs "Context impl ..." each time a revision is read, and pages read it on every request.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings),
        host=settings.host if host is None else host,
        port=settings.port if port is None else port,
        log_level=settings.log_level.lower(),
    )


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: HOTDASH_HOST or 127.0.0.1].")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on [default: HOTDASH_PORT or 8000].")
    ] = None,
) -> None:
    """Serve the web app; upgrades the database schema first if it is behind."""
    serve_app(get_settings(), host=host, port=port)


@app.command()
def worker() -> None:
    """Run queued jobs and deliver stored events until stopped (SIGTERM or Ctrl+C finishes the job first)."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s - %(message)s")
    engine = engine_from_settings(settings)
    try:
        current, head = migrate.current_revision(engine), migrate.head_revision()
    finally:
        engine.dispose()
    if current != head:
        state = "has no schema yet" if current is None else f"is at schema {current}, not {head}"
        Console(stderr=True).print(f"The database {state}. Run `hotdash db upgrade` first.", markup=False)
        raise typer.Exit(1)
    run_worker(settings)


def demo_admin(settings: Settings) -> tuple[str, str]:
    """Create the demo store's admin, or give it a new password; return its email and password."""
    engine = engine_from_settings(settings)
    try:
        with unit_of_work(session_factory(engine)) as session:
            return auth_cli.ensure_demo_admin(session=session, now=SystemClock().now())
    finally:
        engine.dispose()


class DemoSizeName(StrEnum):
    """The demo store sizes."""

    small = "small"
    medium = "medium"
    large = "large"


@app.command()
def demo(
    size: Annotated[DemoSizeName, typer.Option(help="small: ~5k orders; medium: 100k; large: 1M.")] = (
        DemoSizeName.small
    ),
    seed: Annotated[int, typer.Option(help="The same seed gives the same store.")] = 7,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the web app afterwards.")
    ] = True,
    force: Annotated[bool, typer.Option(help="Erase imported (non-demo) data too.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Generate a realistic demo store whose data ends now, then serve the web app on it."""
    settings = get_settings()
    console = Console()
    try:
        run_demo(settings=settings, size=size.value, seed=seed, force=force, console=console)
    except DemoRefusedError as refused:
        console.print(f"[red]Not generated:[/red] {refused}")
        raise typer.Exit(code=2) from refused
    email, password = demo_admin(settings)
    # Plain print: the password must reach the terminal exactly, without Rich markup or highlighting.
    console.print(f"Sign in as {email} / {password}", markup=False, highlight=False, soft_wrap=True)
    if serve_after:
        url_host = host or settings.host
        console.print(f"Serving on http://{url_host}:{port or settings.port} (Ctrl+C stops)")
        serve_app(settings, host=host, port=port)


def main() -> None:
    """Run the command line."""
    app()
