"""`hotdash users ...` and `hotdash tokens ...`: manage accounts from the server's shell.

Whoever runs these has shell access to the server and so already controls it: they act as the system (audited
as "system"), without signing in. Passwords are prompted for without echo; tokens are printed once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from hotdash.auth import service
from hotdash.auth.errors import AccountError
from hotdash.auth.models import Role, User
from hotdash.auth.service import ensure_demo_admin
from hotdash.clock import SystemClock
from hotdash.db.cli import command_session

__all__ = ["ensure_demo_admin", "tokens_app", "users_app"]

users_app = typer.Typer(
    name="users", help="Users: add, list, change roles, deactivate.", no_args_is_help=True
)
tokens_app = typer.Typer(name="tokens", help="API tokens: create, list, revoke.", no_args_is_help=True)

console = Console()
err_console = Console(stderr=True)

Email = Annotated[str, typer.Option("--email", help="The user's email address.")]


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """Open a unit of work on the settings' database; exit 1 with what to do if it cannot be used."""
    try:
        with command_session() as session:
            yield session
    except AccountError as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from exc


def _user(session: Session, email: str) -> User:
    user = service.find_user(session=session, email=email)
    if user is None:
        raise AccountError("There is no user with that email. `hotdash users list` shows them.")
    return user


@users_app.command("create")
def create_user(
    email: Email,
    name: Annotated[str, typer.Option("--name", help="The name shown in the app.")],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")] = Role.viewer,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            help="Prompted for (hidden, twice) when left out; given here, it ends up in shell history.",
        ),
    ] = None,
) -> None:
    """Add a user."""
    if password is None:
        password = typer.prompt(
            "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
        )
    with _unit_of_work() as session:
        user = service.create_user(
            session=session,
            email=email,
            name=name,
            role=role,
            password=password,
            actor=None,
            now=SystemClock().now(),
        )
        console.print(f"Added {escape(user.email)} ({user.role}).", highlight=False)


@users_app.command("list")
def list_users() -> None:
    """List users."""
    with _unit_of_work() as session:
        table = Table(title="Users", title_justify="left")
        for column in ("Email", "Name", "Role", "Active", "Last sign-in (UTC)"):
            table.add_column(column)
        for user in service.list_users(session=session):
            table.add_row(
                escape(user.email),
                escape(user.name),
                user.role,
                "yes" if user.is_active else "no",
                f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
            )
        console.print(table)


@users_app.command("set-role")
def set_role(
    email: Email,
    role: Annotated[Role, typer.Option("--role", help="The new role.")],
) -> None:
    """Give a user another role."""
    with _unit_of_work() as session:
        user = _user(session, email)
        service.set_role(session=session, user=user, role=role, actor=None, now=SystemClock().now())
        console.print(f"{escape(user.email)} is now {user.role}.", highlight=False)


@users_app.command("deactivate")
def deactivate(email: Email) -> None:
    """Stop a user from signing in; ends their sessions, and their API tokens stop working."""
    with _unit_of_work() as session:
        user = _user(session, email)
        service.deactivate(session=session, user=user, actor=None, now=SystemClock().now())
        console.print(f"{escape(user.email)} is deactivated.", highlight=False)


@tokens_app.command("create")
def create_token(
    email: Annotated[str, typer.Option("--email", help="The user whose rights the token has.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'nightly export'.")],
    expires_in_days: Annotated[
        int | None, typer.Option("--expires-in-days", min=1, max=3650, help="Default: never expires.")
    ] = None,
) -> None:
    """Create an API token and print it, this once."""
    with _unit_of_work() as session:
        user = _user(session, email)
        at = SystemClock().now()
        expires_at = at + timedelta(days=expires_in_days) if expires_in_days else None
        made = service.create_token(
            session=session, user=user, name=name, actor=None, now=at, expires_at=expires_at
        )
    # Printed after the commit: a token that was never saved must not be handed out.
    err_console.print(
        f"API token '{escape(made.record.name)}' for {escape(user.email)} ({user.role}). "
        "It is shown only now; send it as `Authorization: Bearer <token>`:",
        highlight=False,
    )
    # Alone on stdout, so `TOKEN=$(hotdash tokens create ...)` works.
    typer.echo(made.token)


@tokens_app.command("list")
def list_tokens() -> None:
    """List API tokens (their prefixes; the tokens themselves are not stored)."""
    with _unit_of_work() as session:
        table = Table(title="API tokens", title_justify="left")
        table.add_column("Id", justify="right")
        table.add_column("Prefix", no_wrap=True)
        for column in ("Name", "User", "Last used (UTC)", "Status"):
            table.add_column(column)
        at = SystemClock().now()
        for token, user in service.list_tokens(session=session):
            if token.revoked_at is not None:
                status = f"revoked {token.revoked_at:%Y-%m-%d}"
            elif token.expires_at is not None and token.expires_at <= at:
                status = f"expired {token.expires_at:%Y-%m-%d}"
            else:
                status = f"active until {token.expires_at:%Y-%m-%d}" if token.expires_at else "active"
            table.add_row(
                str(token.id),
                token.prefix + "…",
                escape(token.name),
                escape(user.email),
                f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
                status,
            )
        console.print(table)


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id, from `hotdash tokens list`.")],
) -> None:
    """Revoke an API token for good."""
    with _unit_of_work() as session:
        token = service.get_token(session=session, token_id=token_id)
        if token is None:
            raise AccountError(f"There is no API token with id {token_id}.")
        service.revoke_token(session=session, api_token=token, actor=None, now=SystemClock().now())
        console.print(f"Revoked token {token.id} ({escape(token.name)}).", highlight=False)
