"""What a tile computation needs: the database, the store, the clock's now, the window, the thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.kernel.calendar import BusinessCalendar
from hotdash.kernel.tunables import Tunables
from hotdash.store.calendar import store_calendar
from hotdash.store.models import Store
from hotdash.tiles.windows import Window, WindowName, window_for


class UnknownStoreError(LookupError):
    """No store with that id."""


@dataclass
class TileContext:
    """The inputs of one dashboard computation; tiles read, never write."""

    session: Session
    store: Store
    now: datetime
    window: Window
    thresholds: Tunables
    _calendar: BusinessCalendar | None = field(default=None, repr=False)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.store.timezone)

    @property
    def currency(self) -> str:
        return self.store.currency

    @property
    def calendar(self) -> BusinessCalendar:
        """The store's business hours and holidays, for SLA arithmetic."""
        if self._calendar is None:
            self._calendar = store_calendar(session=self.session, store=self.store)
        return self._calendar

    def window_named(self, name: WindowName) -> Window:
        """Return another window ending at the same now, e.g. for a tile that always looks at a week."""
        return window_for(name, self.now, self.tz)


def resolve_store(*, session: Session, store_id: int | None) -> Store:
    """Return the store asked for, or the first one when none is named."""
    query = select(Store).order_by(Store.id)
    if store_id is not None:
        query = query.where(Store.id == store_id)
    store = session.scalars(query.limit(1)).first()
    if store is None:
        raise UnknownStoreError("no such store" if store_id is not None else "no store has been loaded yet")
    return store


def make_context(
    *, session: Session, store: Store, now: datetime, window: WindowName, thresholds: Tunables
) -> TileContext:
    """Build the context for `window` ending at `now` in the store's timezone."""
    return TileContext(
        session=session,
        store=store,
        now=now,
        window=window_for(window, now, ZoneInfo(store.timezone)),
        thresholds=thresholds,
    )
