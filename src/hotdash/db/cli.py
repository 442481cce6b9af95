"""`hotdash db ...`: move the schema between revisions and say where it is; and the helper every other
command opens the database with (`current_database`, `command_session`), so each says in one line what to run
on a database that is empty, behind or unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hotdash.db import migrate
from hotdash.db.session import engine_from_settings, session_factory, unit_of_work
from hotdash.settings import get_settings

app = typer.Typer(
    name="db",
    help="Database schema: upgrade, downgrade, show the current revision.",
    no_args_is_help=True,
)
console = Console()
err_console = Console(stderr=True)


def describe_database(engine: Engine) -> str:
    """Return the database URL without its password, to say which database a command touched."""
    return escape(make_url(str(engine.url)).render_as_string(hide_password=True))


def is_known_revision(revision: str) -> bool:
    """Return True if this version of HotDash has a migration script for `revision`."""
    try:
        return ScriptDirectory.from_config(migrate.alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


@contextmanager
def settings_engine() -> Iterator[Engine]:
    """Yield the engine the settings point at and dispose of it afterwards; exit 1 if it is unreachable."""
    engine = engine_from_settings(get_settings())
    try:
        yield engine
    except DBAPIError as exc:
        cannot_use(engine, exc)
    except CommandError as exc:
        # Alembic's own words are clear here, e.g. "Can't locate revision identified by 'x'".
        err_console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def cannot_use(engine: Engine, exc: DBAPIError) -> NoReturn:
    """Say in one line which database could not be used and the driver's reason; exit 1."""
    # A driver traceback says little to an operator; the cause line and the URL say what to check.
    # soft_wrap: one line whatever the terminal's width, like the schema message.
    err_console.print(
        f"[red]Cannot use the database {describe_database(engine)}:[/red] {escape(str(exc.orig))}",
        soft_wrap=True,
    )
    raise typer.Exit(1) from exc


def schema_problem(engine: Engine) -> str | None:
    """Return one line saying what to run if `engine`'s schema is not the code's, else None."""
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current == head:
        return None
    if current is None:
        return "The database is not set up: run hotdash db upgrade."
    if is_known_revision(current):
        return f"The database is at revision {current}, the code needs {head}: run hotdash db upgrade."
    # Upgrading cannot help: a newer (or different) HotDash migrated this database.
    return (
        f"The database is at revision {current}, which this version of HotDash does not know (it needs "
        f"{head}): use the HotDash that migrated it."
    )


@contextmanager
def current_database() -> Iterator[Engine]:
    """Yield the settings' engine once its schema is at the code's revision; else say what to run, exit 1."""
    engine = engine_from_settings(get_settings())
    try:
        try:
            problem = schema_problem(engine)
        except DBAPIError as exc:
            # Only the check's errors: one the command itself meets is its own to report.
            cannot_use(engine, exc)
        if problem is not None:
            # One plain line on stderr (no Rich wrapping): a table that does not exist yet would otherwise
            # end the command in a traceback of a few hundred lines.
            typer.echo(problem, err=True)
            raise typer.Exit(1)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def command_session() -> Iterator[Session]:
    """Open the command's unit of work on a current database: committed if the command succeeds."""
    with current_database() as engine, unit_of_work(session_factory(engine)) as session:
        yield session


@app.command()
def upgrade(
    revision: Annotated[
        str, typer.Argument(metavar="REVISION", help='Target revision; "head" is the newest.')
    ] = "head",
) -> None:
    """Bring the schema up to REVISION (the newest by default)."""
    with settings_engine() as engine:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
        console.print(
            f"Database {describe_database(engine)}: schema {before or 'empty'} -> [bold]{after}[/bold]"
        )


# "-1" (one step back) looks like an option to Click; let it through as the REVISION argument.
@app.command(context_settings={"ignore_unknown_options": True})
def downgrade(
    revision: Annotated[
        str,
        typer.Argument(metavar="REVISION", help='Target revision: "-1" for one step back, "base" for none.'),
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Take the schema down to REVISION. Dropped tables lose their data."""
    with settings_engine() as engine:
        where = describe_database(engine)
        # Downgrading drops tables and their rows; asking first costs a keystroke, not a dataset.
        if not yes:
            typer.confirm(f"Downgrade {where} to {revision}? Tables removed lose their data", abort=True)
        before = migrate.current_revision(engine)
        migrate.downgrade(engine, revision)
        after = migrate.current_revision(engine)
        console.print(f"Database {where}: schema {before or 'empty'} -> [bold]{after or 'empty'}[/bold]")


@app.command()
def current() -> None:
    """Print the database's schema revision and the newest one, and say whether it is behind."""
    head = migrate.head_revision()
    with settings_engine() as engine:
        revision = migrate.current_revision(engine)
        console.print(f"Database: {describe_database(engine)}")
    console.print(f"Current revision: {revision or 'none (never migrated)'}")
    console.print(f"Head revision:    {head}")
    if revision == head:
        console.print("[green]The schema is up to date.[/green]")
    elif revision is None:
        console.print(
            "[yellow]The database is behind: it has no schema yet. Run `hotdash db upgrade`.[/yellow]"
        )
    elif is_known_revision(revision):
        console.print("[yellow]The database is behind. Run `hotdash db upgrade`.[/yellow]")
    else:
        # Upgrading cannot help: the database was migrated by a newer (or different) HotDash.
        console.print(
            f"[red]The database is at {escape(revision)}, which this version of HotDash does not know: "
            "it was migrated by another version.[/red]"
        )
        raise typer.Exit(1)
