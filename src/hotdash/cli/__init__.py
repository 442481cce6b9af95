"""The `hotdash` command. Each command's code is imported when that command runs, not before.

Importing every context to print `hotdash --help` took 3-9 s (the web app, SQLAlchemy's models, numpy).
The root group lists its commands from `COMMANDS`, each a "module:attribute" (a Typer app or a command
function) and its one-line help; `tests/test_cli.py` checks that each line is the loaded command's own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup


@dataclass(frozen=True)
class Lazy:
    """A command loaded when used: where its code is, and its help line for `hotdash --help`."""

    target: str
    help: str


COMMANDS: dict[str, Lazy] = {
    "info": Lazy(
        "hotdash.store.cli:info",
        "Show what is loaded: rows per entity, the stores, the date range and the schema revision.",
    ),
    "tiles": Lazy(
        "hotdash.tiles.cli:tiles",
        "Show the dashboard tiles: status, figures with trends, exceptions and the next action.",
    ),
    "import": Lazy(
        "hotdash.store.ingest.cli:import_file",
        "Import a CSV, NDJSON or JSON file of one entity; re-importing the same file changes nothing.",
    ),
    "import-analytics": Lazy(
        "hotdash.store.connectors.analytics_cli:import_analytics",
        "Import page traffic from a GA4 CSV download or a Search Console performance export.",
    ),
    "serve": Lazy(
        "hotdash.cli.serve:serve", "Serve the web app; upgrades the database schema first if it is behind."
    ),
    "demo": Lazy(
        "hotdash.cli.serve:demo",
        "Generate a realistic demo store whose data ends now, then serve the web app on it.",
    ),
    "db": Lazy("hotdash.db.cli:app", "Database schema: upgrade, downgrade, show the current revision."),
    "users": Lazy("hotdash.auth.cli:users_app", "Users: add, list, change roles, deactivate."),
    "tokens": Lazy("hotdash.auth.cli:tokens_app", "API tokens: create, list, revoke."),
    "sources": Lazy(
        "hotdash.store.sources.cli:sources_app",
        "Sources: add, list, show, set secrets, disable; rotate the key.",
    ),
    "ingest": Lazy(
        "hotdash.store.inbound.cli:app",
        "Webhook deliveries: map them into the model, see and retry failures.",
    ),
    "rules": Lazy(
        "hotdash.detection.cli:app",
        "Detection rules: list, test, backtest, enable, import, export and run them; check an expression.",
    ),
    "sync": Lazy("hotdash.cli.sync:app", "Pull new and changed records from a source's API."),
    "worker": Lazy(
        "hotdash.cli.worker:worker",
        "Run queued jobs and deliver stored events until stopped (SIGTERM or Ctrl+C finishes the job first).",
    ),
    "jobs": Lazy("hotdash.kernel.jobs.cli:app", "The job queue: list jobs, show one, retry failed ones."),
}


def load(name: str) -> Any:
    """Return the click command of `name`, importing its code now."""
    module, attribute = COMMANDS[name].target.split(":")
    found = getattr(importlib.import_module(module), attribute)
    # Mounted on a group of its own as it was on the root before, so its options and help are the same.
    holder = typer.Typer(add_completion=False)
    holder.callback()(_root)
    if isinstance(found, typer.Typer):
        holder.add_typer(found, name=name)
    else:
        holder.command(name=name)(found)
    return typer.main.get_group(holder).commands[name]


class LazyGroup(TyperGroup):
    """The root group: lists `COMMANDS` without importing them, loads one when it is asked for."""

    # `ctx` is Typer's vendored click context; `Any` because that module is private to Typer.
    def list_commands(self, ctx: Any) -> list[str]:
        """Return the command names in the order of `COMMANDS`."""
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Return the command `cmd_name`, loading it on first use."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load(cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List the commands with their help lines, without loading any."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, lazy.help) for name, lazy in COMMANDS.items()])


# Plain (not Rich) help for the root: Rich's formatter asks every command for its help, which loads them all.
app = typer.Typer(
    name="hotdash",
    cls=LazyGroup,
    help="HotDash: the operations control center for online stores.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """HotDash: the operations control center for online stores."""


def main() -> None:
    """Run the command line."""
    app()
