"""`hotdash sources ...`: configure sources and their secrets from the server's shell.

As with `hotdash users`, whoever runs these controls the server and acts as the system (audited as
"system"). Secrets are never taken as command-line arguments, which end up in shell history: they are prompted
for without echo, or read from standard input with --stdin.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.db.cli import command_session
from hotdash.settings import get_settings
from hotdash.store.sources import crypto, service

sources_app = typer.Typer(
    name="sources",
    help="Sources: add, list, show, set secrets, disable; rotate the key.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)

KeyArg = Annotated[str, typer.Argument(help="The source's key, e.g. shopify-eu.")]


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    try:
        with command_session() as session:
            yield session
    except (service.SourceError, crypto.SecretKeyError) as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
        raise typer.Exit(1) from None


def _box() -> crypto.SecretBox:
    try:
        return crypto.load_box(get_settings())
    except crypto.SecretKeyError as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
        raise typer.Exit(1) from None


def _parse_settings(pairs: list[str]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            err_console.print(f"[red]--setting {escape(pair)!r} needs the form name=value.[/red]")
            raise typer.Exit(2)
        found[name.strip()] = value.strip()
    return found


SettingOpt = Annotated[
    list[str] | None,
    typer.Option("--setting", help="name=value, repeatable (e.g. shop=northwind.myshopify.com)."),
]


@sources_app.command("add")
def add(
    key: KeyArg,
    kind: Annotated[str, typer.Option("--kind", help=", ".join(service.KINDS))],
    name: Annotated[str, typer.Option("--name", help="The name shown in the app.")],
    store_id: Annotated[
        int | None, typer.Option("--store-id", help="The store it feeds (`hotdash info`).")
    ] = None,
    setting: SettingOpt = None,
) -> None:
    """Add a source (then set its secrets with `hotdash sources set-secret`)."""
    with _unit_of_work() as session:
        service.create_source(
            session=session,
            key=key,
            kind=kind,
            name=name,
            store_id=store_id,
            settings=_parse_settings(setting or []),
            secrets={},
            box=_box(),
            actor=None,
            now=SystemClock().now(),
        )
    console.print(f"Added source {escape(key)} ({escape(kind)}).", highlight=False)


@sources_app.command("set")
def set_settings(
    key: KeyArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    store_id: Annotated[int | None, typer.Option("--store-id", help="The store it feeds.")] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Unset its store.")] = False,
    setting: SettingOpt = None,
) -> None:
    """Change a source's name, store or settings (`--setting name=` removes one, `--no-store` the store)."""
    if no_store and store_id is not None:
        err_console.print("[red]Give --store-id or --no-store, not both.[/red]")
        raise typer.Exit(2)
    with _unit_of_work() as session:
        service.update_source(
            session=session,
            key=key,
            name=name,
            store_id=None if no_store else service.UNCHANGED if store_id is None else store_id,
            settings=_parse_settings(setting) if setting else None,
            actor=None,
            now=SystemClock().now(),
        )
    console.print(f"Saved {escape(key)}.", highlight=False)


@sources_app.command("list")
def list_sources() -> None:
    """List the sources with their last sync, lag and last error."""
    with _unit_of_work() as session:
        at = SystemClock().now()
        table = Table(title="Sources", title_justify="left")
        for column in ("Key", "Kind", "Name", "State", "Last sync (UTC)", "Lag", "Last error"):
            table.add_column(column)
        for source in service.list_sources(session=session):
            status = service.status_of(source, now=at)
            last = (
                f"{status.last_sync_status} {status.last_sync_started_at:%Y-%m-%d %H:%M}"
                if status.last_sync_status and status.last_sync_started_at
                else "never"
            )
            table.add_row(
                escape(status.key),
                status.kind,
                escape(status.name),
                "enabled" if status.is_enabled else "disabled",
                last,
                status.lag_text,
                escape(status.last_error or "—"),
            )
        console.print(table)


@sources_app.command("show")
def show(key: KeyArg) -> None:
    """Show one source: its settings, which secrets are set (never their values) and its sync state."""
    with _unit_of_work() as session:
        view = service.view_of(service.get_source(session=session, key=key), now=SystemClock().now())
    status = view.status
    console.print(
        f"[bold]{escape(status.name)}[/bold] ({escape(status.key)}, {status.kind})", highlight=False
    )
    lines = [
        ("State", "enabled" if status.is_enabled else "disabled"),
        ("Store id", str(view.store_id) if view.store_id is not None else "—"),
        *((f"Setting {name}", value) for name, value in view.settings.items()),
        *(
            (f"Secret {s.name}", s.hint + (" (from the environment)" if s.origin == "environment" else ""))
            for s in view.secrets
        ),
        ("Last sync", f"{status.last_sync_status or 'never'} {status.last_sync_started_at or ''}".strip()),
        ("Last summary", status.last_sync_summary or "—"),
        ("Newest change seen", str(status.last_record_at or "—")),
        ("Lag", status.lag_text),
        ("Last error", status.last_error or "—"),
    ]
    for label, value in lines:
        console.print(f"  {label}: {escape(value)}", highlight=False)


@sources_app.command("set-secret")
def set_secret(
    key: KeyArg,
    name: Annotated[str, typer.Argument(help="The secret's name, e.g. access_token or webhook_secret.")],
    stdin: Annotated[bool, typer.Option("--stdin", help="Read the value from standard input.")] = False,
    remove: Annotated[bool, typer.Option("--remove", help="Forget the stored value.")] = False,
) -> None:
    """Store a secret of a source, encrypted (prompted for without echo, or --stdin)."""
    value: str | None = None
    if not remove:
        value = sys.stdin.read().strip() if stdin else typer.prompt(f"Value of {name}", hide_input=True)
        if not value:
            err_console.print("[red]No value given; nothing was stored.[/red]")
            raise typer.Exit(2)
    with _unit_of_work() as session:
        service.set_secret(
            session=session,
            key=key,
            secret=name,
            value=value,
            box=_box(),
            actor=None,
            now=SystemClock().now(),
        )
    console.print(f"{'Removed' if remove else 'Stored'} {escape(name)} of {escape(key)}.", highlight=False)


@sources_app.command("disable")
def disable(key: KeyArg) -> None:
    """Stop syncing a source (its data stays)."""
    with _unit_of_work() as session:
        service.set_enabled(session=session, key=key, enabled=False, actor=None, now=SystemClock().now())
    console.print(f"Disabled {escape(key)}.", highlight=False)


@sources_app.command("enable")
def enable(key: KeyArg) -> None:
    """Sync a disabled source again."""
    with _unit_of_work() as session:
        service.set_enabled(session=session, key=key, enabled=True, actor=None, now=SystemClock().now())
    console.print(f"Enabled {escape(key)}.", highlight=False)


@sources_app.command("new-key")
def new_key() -> None:
    """Print a fresh encryption key, for HOTDASH_SECRET_KEY."""
    typer.echo(crypto.new_key())


@sources_app.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt every stored secret under the newest key (see docs/connectors/sources.md).

    With the key file, this makes the new key itself. With HOTDASH_SECRET_KEY, set it to NEW,OLD first.
    """
    settings = get_settings()
    using_file = settings.secret_key is None or not settings.secret_key.get_secret_value().strip()
    path = settings.resolved_secret_key_file()
    if using_file:
        old = crypto.key_file_keys(path) if path.exists() else []
        # Both keys stay in the file until the re-encryption is committed, so a crash loses nothing.
        crypto.write_key_file(path, [crypto.new_key(), *old])
    with _unit_of_work() as session:
        count = service.rotate_key(session=session, box=_box(), actor=None, now=SystemClock().now())
    if using_file:
        crypto.write_key_file(path, crypto.key_file_keys(path)[:1])
        console.print(f"Re-encrypted the secrets of {count} source(s) under a new key in {path}.")
    else:
        console.print(
            f"Re-encrypted the secrets of {count} source(s) under the first key of HOTDASH_SECRET_KEY; "
            "you can now remove the older key(s) from it."
        )
