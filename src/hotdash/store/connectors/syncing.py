"""What every pull sync shares: how it stores batches, how it fails, and its `hotdash sync <kind>` command.

Each connector's sync (`shopify/sync.py`, `zendesk/sync.py`, `chatwoot/sync.py`) pages through its API its
own way; picking the source, opening the secret box, reporting and failing are the same for all of them.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, Protocol

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from hotdash.clock import Clock
from hotdash.db.cli import current_database
from hotdash.db.session import session_factory, unit_of_work
from hotdash.settings import get_settings
from hotdash.store.sources import crypto, service, sync_state

logger = logging.getLogger(__name__)
console = Console()
err_console = Console(stderr=True)

OnPage = Callable[[str, int], None]


class Upsert(Protocol):
    """`hotdash.store.ingest.upsert.upsert_batch`, as a sync takes it (tests pass their own)."""

    def __call__(
        self,
        *,
        session: Session,
        store_id: int,
        source: str,
        batch: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> Any: ...


class SyncFailed(Exception):
    """The sync stopped; the message (secrets scrubbed) is also stored as the source's last error."""


def fail_sync(
    *,
    factory: sessionmaker[Session],
    config: service.SourceConfig,
    clock: Clock,
    exc: BaseException,
    expected: tuple[type[BaseException], ...] = (),
    interrupted: str = "The sync was interrupted; run it again to resume after the last committed page.",
) -> NoReturn:
    """Record why a sync stopped as its source's last error, secrets scrubbed, and raise SyncFailed with it.

    `expected` are the connector's own errors, whose messages are already meant for the operator.
    """
    if isinstance(exc, (SyncFailed, *expected)):
        message = str(exc)
    elif isinstance(exc, KeyboardInterrupt):
        message = interrupted
    else:
        message = f"The sync stopped on an unexpected {type(exc).__name__}: {exc}"
        # The traceback helps whoever fixes the bug; it goes through the same scrubbing as the message.
        logger.error("%s", config.scrub("".join(traceback.format_exception(exc))))
    with unit_of_work(factory) as session:
        stored = sync_state.record_sync_failed(
            session=session, key=config.key, now=clock.now(), error=message, secrets=config.secrets.values()
        )
    raise SyncFailed(stored) from None


class Report(Protocol):
    def summary(self) -> str: ...


class Runnable(Protocol):
    def run(self) -> Report: ...


# (session factory, source key, secret box, progress callback) -> the connector's sync, ready to run.
MakeSync = Callable[[sessionmaker[Session], str, crypto.SecretBox, OnPage], Runnable]


def pick_source(session: Session, key: str | None, *, kind: str, label: str, add_hint: str) -> str:
    """Return the key to sync: the one given, or the only enabled source of `kind`."""
    if key is not None:
        return key
    keys = [s.key for s in service.list_sources(session=session) if s.kind == kind and s.is_enabled]
    if len(keys) == 1:
        return keys[0]
    if not keys:
        raise service.SourceError(f"There is no enabled {label} source. Add one with `{add_hint}`.")
    raise service.SourceError(
        f"Several {label} sources are enabled ({', '.join(keys)}): pick one with --source."
    )


def run_sync_command(*, source: str | None, kind: str, label: str, add_hint: str, make: MakeSync) -> None:
    """Run one sync from the shell with a progress display; exit 1, saying why, if it cannot run or stops."""
    with current_database() as engine:
        factory = session_factory(engine)
        try:
            box = crypto.load_box(get_settings())
            with unit_of_work(factory) as session:
                key = pick_source(session, source, kind=kind, label=label, add_hint=add_hint)
                service.get_source(session=session, key=key)
        except (service.SourceError, crypto.SecretKeyError) as exc:
            err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
            raise typer.Exit(1) from None
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} records"))
        with Progress(*columns, TimeElapsedColumn(), console=err_console, transient=False) as progress:
            tasks: dict[str, TaskID] = {}

            def on_page(resource: str, count: int) -> None:
                if resource not in tasks:
                    tasks[resource] = progress.add_task(resource, total=None)
                progress.advance(tasks[resource], count)

            try:
                report = make(factory, key, box, on_page).run()
            except SyncFailed as exc:
                progress.stop()
                err_console.print(
                    f"[red]Sync of {escape(key)} failed:[/red] {escape(str(exc))}", highlight=False
                )
                raise typer.Exit(1) from None
    console.print(f"Synced {escape(key)}: {escape(report.summary())}", highlight=False)
