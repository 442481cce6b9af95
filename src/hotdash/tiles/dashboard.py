"""Compute the dashboard: every tile for one store, window and moment, and the day's top priorities."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hotdash.kernel.tunables import load_tunables
from hotdash.store.models import Store
from hotdash.tiles.context import make_context, resolve_store
from hotdash.tiles.registry import TILES
from hotdash.tiles.schemas import Priority, TileResult
from hotdash.tiles.today import top_priorities
from hotdash.tiles.windows import WindowName

logger = logging.getLogger(__name__)


class UnknownTileError(LookupError):
    """No tile of that name."""


@dataclass(frozen=True)
class TileFailure:
    """A tile that could not be computed: shown as broken, never silently left out."""

    name: str
    title: str
    message: str


@dataclass
class Dashboard:
    """All six tiles for one store and window."""

    store: Store
    window: WindowName
    computed_at: datetime
    tiles: list[TileResult] = field(default_factory=list)
    failures: list[TileFailure] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)


def compute_dashboard(
    *,
    session: Session,
    now: datetime,
    window: WindowName = WindowName.today,
    store_id: int | None = None,
    names: list[str] | None = None,
) -> Dashboard:
    """Compute the tiles named (all by default) and rank the day's priorities across them."""
    store = resolve_store(session=session, store_id=store_id)
    unknown = [n for n in names or [] if n not in TILES]
    if unknown:
        raise UnknownTileError(f"no tile named {', '.join(unknown)}; tiles are {', '.join(TILES)}")
    context = make_context(
        session=session, store=store, now=now, window=window, thresholds=load_tunables(session=session)
    )
    board = Dashboard(store=store, window=window, computed_at=now)
    for name in names or list(TILES):
        spec = TILES[name]
        try:
            board.tiles.append(spec.compute(context))
        except Exception as error:  # one broken tile must not take the dashboard down with it
            logger.exception("tile %s failed", name)
            board.failures.append(TileFailure(name, spec.title, f"{type(error).__name__}: {error}"))
    board.priorities = top_priorities(board.tiles)
    return board


def compute_tile(
    *,
    session: Session,
    name: str,
    now: datetime,
    window: WindowName = WindowName.today,
    store_id: int | None = None,
) -> TileResult:
    """Compute one tile; errors propagate so the API can report them."""
    if name not in TILES:
        raise UnknownTileError(f"no tile named {name!r}; tiles are {', '.join(TILES)}")
    store = resolve_store(session=session, store_id=store_id)
    context = make_context(
        session=session, store=store, now=now, window=window, thresholds=load_tunables(session=session)
    )
    return TILES[name].compute(context)
