"""`hotdash tiles`: the dashboard in the terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from hotdash.clock import SystemClock
from hotdash.db.cli import command_session
from hotdash.tiles.context import UnknownStoreError
from hotdash.tiles.dashboard import Dashboard, UnknownTileError, compute_dashboard
from hotdash.tiles.format import format_trend, format_value
from hotdash.tiles.schemas import Status, TileResult
from hotdash.tiles.windows import WindowName

STYLE = {
    Status.ok: "green",
    Status.watch: "yellow",
    Status.warning: "dark_orange",
    Status.critical: "bold red",
}


def tiles(
    names: Annotated[list[str] | None, typer.Argument(help="Tiles to show (default: all six).")] = None,
    window: Annotated[WindowName, typer.Option(help="today, 24h, 7d or 30d.")] = WindowName.today,
    store: Annotated[int | None, typer.Option(help="Store id (default: the first store).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the same JSON as /api/v1/tiles.")] = False,
) -> None:
    """Show the dashboard tiles: status, figures with trends, exceptions and the next action."""
    console = Console()
    try:
        with command_session() as session:
            board = compute_dashboard(
                session=session, now=SystemClock().now(), window=window, store_id=store, names=names or None
            )
            if as_json:
                payload = {
                    "store": {"id": board.store.id, "name": board.store.name},
                    "window": board.window.value,
                    "computed_at": board.computed_at.isoformat(),
                    "priorities": [p.model_dump(mode="json") for p in board.priorities],
                    "tiles": [t.model_dump(mode="json") for t in board.tiles],
                    "failures": [f.__dict__ for f in board.failures],
                }
                typer.echo(json.dumps(payload, indent=2))
                return
            _print(board, console)
    except (UnknownStoreError, UnknownTileError) as missing:
        console.print(f"[red]{missing}[/red]")
        raise typer.Exit(code=2) from missing
    if board.failures:
        raise typer.Exit(code=1)


def _print(board: Dashboard, console: Console) -> None:
    console.print(
        f"[b]{board.store.name}[/b] - {board.window.value} - computed {board.computed_at:%Y-%m-%d %H:%M} UTC"
    )
    if board.priorities:
        top = Table(title="Today's priorities", show_header=True, expand=True)
        for column in ("", "Tile", "What", "Do", "At stake"):
            top.add_column(column)
        for i, p in enumerate(board.priorities, 1):
            top.add_row(
                f"{i}",
                p.tile_title,
                f"[{STYLE[p.severity]}]{p.title}[/]",
                p.action,
                format_value(float(p.money_at_stake), "money", board.store.currency)
                if p.money_at_stake is not None
                else "",
            )
        console.print(top)
    for tile in board.tiles:
        console.print(_panel(tile))
    for failure in board.failures:
        console.print(Panel(failure.message, title=f"{failure.title}: could not be computed", style="red"))


def _panel(tile: TileResult) -> Panel:
    figures = Table(show_header=True, box=None, expand=True)
    for column in ("Figure", "Value", "vs last week", "vs 7-day baseline"):
        figures.add_column(column)
    for f in tile.figures:
        figures.add_row(
            f.label,
            format_value(f.value, f.unit, tile.currency),
            format_trend(f.vs_last_week),
            format_trend(f.vs_baseline),
        )
    lines = [f"[{STYLE[tile.status]}]{tile.status.value.upper()}[/] {tile.status_reason}"]
    for e in tile.exceptions[:3]:
        lines.append(f"  [{STYLE[e.severity]}]-[/] {e.title}")
    more = len(tile.exceptions) - 3
    if more > 0:
        lines.append(f"  ... and {more} more")
    lines.append(f"[b]Next:[/b] {tile.recommendation.action}")
    body = Table.grid()
    body.add_row("\n".join(lines))
    body.add_row(figures)
    return Panel(body, title=f"{tile.title} ({tile.window_label})", border_style=STYLE[tile.status])
