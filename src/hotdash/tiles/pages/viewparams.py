"""The store and window a page is about, read from `?store=&window=` and carried into every link."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.kernel.http.errors import PageError
from hotdash.store.models import Store
from hotdash.tiles.windows import LABELS, WindowName

WINDOW_CHOICES = [(name.value, LABELS[name]) for name in WindowName]
SHORT_LABELS = {"today": "Today", "24h": "24 h", "7d": "7 d", "30d": "30 d"}


class NoStoreYet(PageError):
    """Nothing has been loaded: there is no store to show."""

    def __init__(self) -> None:
        super().__init__(
            404,
            "No data yet",
            "No store has been loaded yet: run `hotdash demo` or import data, then reload.",
        )


@dataclass(frozen=True)
class View:
    """Which store and window the user is looking at, and the stores they could switch to."""

    store: Store
    window: WindowName
    stores: list[Store] = field(default_factory=list)
    explicit_store: bool = False

    @property
    def window_label(self) -> str:
        return LABELS[self.window]

    @property
    def zone(self) -> str:
        return self.store.timezone

    @property
    def store_tz(self) -> ZoneInfo:
        return ZoneInfo(self.store.timezone)

    @property
    def currency(self) -> str:
        return self.store.currency

    def params(self, window: str | None = None) -> dict[str, str]:
        """Return the query parameters that keep this view; the defaults are left out of URLs."""
        chosen = window or self.window.value
        params: dict[str, str] = {}
        if self.explicit_store or len(self.stores) > 1:
            params["store"] = str(self.store.id)
        if chosen != WindowName.today.value:
            params["window"] = chosen
        return params

    def query(self, window: str | None = None) -> str:
        """Return `?store=..&window=..` (or nothing) to append to a path."""
        params = self.params(window)
        return f"?{urlencode(params)}" if params else ""

    def link(self, path: str, window: str | None = None) -> str:
        """Return `path` with this view's query string."""
        return path + self.query(window)


def read_view(*, session: Session, store: str | None, window: str | None) -> View:
    """Return the view asked for, or a 400/404 page that says what is wrong with the query."""
    try:
        window_name = WindowName(window) if window else WindowName.today
    except ValueError as bad:
        choices = ", ".join(name.value for name in WindowName)
        raise PageError(400, "Unknown time window", f"Window {window!r} is not one of {choices}.") from bad
    stores = list(session.scalars(select(Store).order_by(Store.id)))
    if not stores:
        raise NoStoreYet()
    if store in (None, ""):
        return View(store=stores[0], window=window_name, stores=stores)
    chosen = next((s for s in stores if str(s.id) == store), None)
    if chosen is None:
        known = ", ".join(f"{s.id} ({s.name})" for s in stores)
        raise PageError(404, "Unknown store", f"There is no store {store!r}. Stores: {known}.")
    return View(store=chosen, window=window_name, stores=stores, explicit_store=True)
