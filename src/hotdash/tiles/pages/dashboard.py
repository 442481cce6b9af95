"""The dashboard pages: Today (priorities and the six tiles), one tile's page, and an exception's records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import PageError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.services import services_of
from hotdash.kernel.http.session import DbSession
from hotdash.tiles.context import UnknownStoreError
from hotdash.tiles.dashboard import Dashboard, TileFailure, compute_dashboard
from hotdash.tiles.pages.records import record_tables
from hotdash.tiles.pages.viewparams import SHORT_LABELS, WINDOW_CHOICES, NoStoreYet, View, read_view
from hotdash.tiles.registry import TILES
from hotdash.tiles.schemas import TileException, TileResult

router = APIRouter(include_in_schema=False)


# How often each tile card (and the priorities) asks for a fresh copy: htmx `every` trigger.
TILE_REFRESH = "60s"
# Headline figures on a Today card; the tile page shows them all.
CARD_FIGURES = 4

StoreQuery = Annotated[str | None, Query(description="store id; the first store when omitted")]
WindowQuery = Annotated[str | None, Query(description="today, 24h, 7d or 30d")]


@dataclass(frozen=True)
class Card:
    """One tile on the Today page: its result, or why it could not be computed."""

    name: str
    title: str
    tile: TileResult | None = None
    failure: TileFailure | None = None
    detections: int = 0  # open detections of the rules on this tile


# What every dashboard page and block reads besides its own figures.
_BASE: dict[str, Any] = {
    "refresh": TILE_REFRESH,
    "card_figures": CARD_FIGURES,
    "window_choices": WINDOW_CHOICES,
    "short_labels": SHORT_LABELS,
}


@dataclass(frozen=True)
class OpenDetections:
    """Counts the open detections of each tile's rules: create_app builds it from detection, because the
    tiles know nothing of detection; the two meet only in the app."""

    by_tile: Callable[[Session], Mapping[str, int]]


def _open_counts(request: Request, session: Session) -> Mapping[str, int]:
    return services_of(request.app).get(OpenDetections).by_tile(session)


def _board(request: Request, session: DbSession, view: View, names: list[str] | None = None) -> Dashboard:
    try:
        return compute_dashboard(
            session=session, now=now(request), window=view.window, store_id=view.store.id, names=names
        )
    except UnknownStoreError as missing:
        raise PageError(404, "Unknown store", str(missing)) from missing


def _cards(request: Request, board: Dashboard, session: Session) -> list[Card]:
    results = {tile.name: tile for tile in board.tiles}
    failures = {failure.name: failure for failure in board.failures}
    counts = _open_counts(request, session)
    return [
        Card(name, spec.title, results.get(name), failures.get(name), counts.get(name, 0))
        for name, spec in TILES.items()
        if name in results or name in failures
    ]


def _known_tile(name: str) -> None:
    if name not in TILES:
        titles = ", ".join(f"{spec.title} ({key})" for key, spec in TILES.items())
        raise PageError(404, "No such tile", f"There is no tile named {name!r}. The tiles are {titles}.")


@router.get("/", response_class=HTMLResponse, name="today")
def today(
    request: Request, session: DbSession, store: StoreQuery = None, window: WindowQuery = None
) -> Response:
    """Show the day's top three priorities, then the six tiles."""
    try:
        view = read_view(session=session, store=store, window=window)
    except NoStoreYet:
        # The data page says how to load data; a dashboard of six empty tiles would not.
        return RedirectResponse(request.url_for("overview").path, status_code=303)
    board = _board(request, session, view)
    context = {"view": view, "board": board, "cards": _cards(request, board, session), "active": "today"}
    return render_page(
        request, "today.html", _BASE | context | {"detection_counts": _open_counts(request, session)}
    )


@router.get("/partials/priorities", response_class=HTMLResponse, name="priorities_partial")
def priorities_partial(
    request: Request, session: DbSession, store: StoreQuery = None, window: WindowQuery = None
) -> HTMLResponse:
    """Return the priorities block alone; the Today page swaps it in every minute."""
    view = read_view(session=session, store=store, window=window)
    board = _board(request, session, view)
    counts = _open_counts(request, session)
    return render_page(
        request,
        "partials/priorities.html",
        _BASE | {"view": view, "board": board, "detection_counts": counts},
    )


@router.get("/partials/tiles/{name}", response_class=HTMLResponse, name="tile_partial")
def tile_partial(
    request: Request, name: str, session: DbSession, store: StoreQuery = None, window: WindowQuery = None
) -> HTMLResponse:
    """Return one tile's card alone; each card on the Today page swaps itself in every minute."""
    _known_tile(name)
    view = read_view(session=session, store=store, window=window)
    board = _board(request, session, view, names=[name])
    return render_page(
        request, "partials/tile_card.html", _BASE | {"view": view, "card": _cards(request, board, session)[0]}
    )


@router.get("/tiles/{name}", response_class=HTMLResponse, name="tile_page")
def tile_page(
    request: Request, name: str, session: DbSession, store: StoreQuery = None, window: WindowQuery = None
) -> HTMLResponse:
    """Show one tile in full: every figure, its charts, every exception and the playbook's next action."""
    _known_tile(name)
    view = read_view(session=session, store=store, window=window)
    board = _board(request, session, view, names=[name])
    card = _cards(request, board, session)[0]
    return render_page(
        request,
        "tile.html",
        _BASE | {"view": view, "card": card, "tile": card.tile, "active": name},
        status=200 if card.tile is not None else 500,
    )


# `key:path`: an exception's key holds the category or carrier it is about, which may hold a "/"
# ("returns/exchanges"); `path_for` percent-encodes "?", "#", "%" and spaces, so they survive the link too.
@router.get("/tiles/{name}/exceptions/{key:path}", response_class=HTMLResponse, name="exception_page")
def exception_page(
    request: Request,
    name: str,
    key: str,
    session: DbSession,
    store: StoreQuery = None,
    window: WindowQuery = None,
) -> HTMLResponse:
    """Show the records behind one of a tile's exceptions, each linking to its own page."""
    _known_tile(name)
    view = read_view(session=session, store=store, window=window)
    board = _board(request, session, view, names=[name])
    card = _cards(request, board, session)[0]
    if card.tile is None:
        message = card.failure.message if card.failure else "unknown error"
        raise PageError(500, f"{card.title} could not be computed", message)
    exception = _find_exception(card.tile, key)
    if exception is None:
        raise PageError(
            404,
            "Exception not found",
            f"{card.title} has no exception {key!r} for {view.window_label.lower()} at the moment; it may "
            "have been resolved. Open the tile to see its current exceptions.",
        )
    tables = record_tables(session=session, refs=exception.records, view=view, request=request)
    return render_page(
        request,
        "exception.html",
        _BASE | {"view": view, "tile": card.tile, "exception": exception, "tables": tables, "active": name},
    )


def _find_exception(tile: TileResult, key: str) -> TileException | None:
    return next((e for e in tile.exceptions if e.key == key), None)
