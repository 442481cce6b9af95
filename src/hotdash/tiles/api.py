"""The tiles' JSON API: `/api/v1/tiles` (the whole dashboard) and `/api/v1/tiles/{name}`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from hotdash.kernel.http.clock import Now
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.session import DbSession
from hotdash.tiles.context import UnknownStoreError
from hotdash.tiles.dashboard import UnknownTileError, compute_dashboard, compute_tile
from hotdash.tiles.registry import TILES
from hotdash.tiles.schemas import Priority, TileResult
from hotdash.tiles.windows import WindowName

router = APIRouter(prefix="/api/v1/tiles", tags=["tiles"])

WindowParam = Annotated[WindowName, Query(description="today, 24h, 7d or 30d")]
StoreParam = Annotated[RowId | None, Query(description="store id; the first store when omitted")]


class StoreOut(BaseModel):
    """The store a dashboard is about."""

    id: int
    name: str
    currency: str
    timezone: str


class FailureOut(BaseModel):
    """A tile that could not be computed."""

    name: str
    title: str
    message: str


class DashboardOut(BaseModel):
    """Every tile, and the day's top priorities across them."""

    store: StoreOut
    window: WindowName
    computed_at: datetime
    priorities: list[Priority]
    tiles: list[TileResult]
    failures: list[FailureOut]


@router.get("", summary="All six tiles and the top priorities")
def dashboard(
    session: DbSession, at: Now, window: WindowParam = WindowName.today, store: StoreParam = None
) -> DashboardOut:
    """Return every tile's status, figures, chart, exceptions and recommendation, plus the Today ranking."""
    try:
        board = compute_dashboard(session=session, now=at, window=window, store_id=store)
    except UnknownStoreError as missing:
        raise HTTPException(status_code=404, detail=str(missing)) from missing
    return DashboardOut(
        store=StoreOut(
            id=board.store.id,
            name=board.store.name,
            currency=board.store.currency,
            timezone=board.store.timezone,
        ),
        window=board.window,
        computed_at=board.computed_at,
        priorities=board.priorities,
        tiles=board.tiles,
        failures=[FailureOut(name=f.name, title=f.title, message=f.message) for f in board.failures],
    )


@router.get("/{name}", summary="One tile")
def tile(
    name: str,
    session: DbSession,
    at: Now,
    window: WindowParam = WindowName.today,
    store: StoreParam = None,
) -> TileResult:
    """Return one tile; `name` is one of sales, cx, fulfillment, inventory, seo, team."""
    if name not in TILES:
        raise HTTPException(status_code=404, detail=f"no tile named {name!r}; tiles are {', '.join(TILES)}")
    try:
        return compute_tile(session=session, name=name, now=at, window=window, store_id=store)
    except (UnknownStoreError, UnknownTileError) as missing:
        raise HTTPException(status_code=404, detail=str(missing)) from missing
