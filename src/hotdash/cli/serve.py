"""`hotdash serve` and `hotdash demo`: the two commands that start the web app, the same way."""

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
from hotdash.db import migrate
from hotdash.db.session import engine_from_settings, session_factory, unit_of_work
from hotdash.settings import Settings, get_settings
from hotdash.store.demo.cli import run_demo
from hotdash.store.demo.service import DemoRefusedError

logger = logging.getLogger("hotdash.serve")


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
