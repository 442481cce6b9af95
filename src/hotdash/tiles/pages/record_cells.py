"""The parts every record table is made of: cells, columns, the table, and what building one needs.

Cells hold plain text (and a link, an emphasis); templates escape it. Nothing here builds HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from hotdash.kernel.entities import record_url
from hotdash.kernel.http.pages import local_time
from hotdash.store.models import (
    Location,
    TeamMember,
)
from hotdash.tiles.pages.formatting import money
from hotdash.tiles.pages.viewparams import View

Flag = Literal["bad", "warn", "good"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: text, and optionally a link and an emphasis."""

    text: str
    href: str | None = None
    numeric: bool = False
    flag: Flag | None = None
    wrap: bool = False
    nowrap: bool = False


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    numeric: bool = False


@dataclass
class RecordTable:
    """A titled table of records of one kind."""

    entity: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = "None."
    note: str | None = None


@dataclass(frozen=True)
class Ctx:
    """What every builder needs: the database, the view (store, window, timezone), links and now."""

    session: Session
    request: Request
    view: View
    now: datetime

    def link(self, entity: str, record_id: int) -> str:
        """Return the record's page in this view (store and window kept), under a proxy's prefix if any."""
        root: str = self.request.scope.get("root_path", "")
        return self.view.link(root.rstrip("/") + record_url(entity, record_id))

    def time(self, value: datetime | None) -> str:
        """Return a moment in full in the store's timezone, e.g. "2026-11-20 07:01 EST"."""
        return local_time(value, self.view.zone)

    def when(self, value: datetime | None, flag: Flag | None = None) -> Cell:
        """Return a table cell with a moment in the store's timezone, short: "Nov 20 07:01" this year."""
        if value is None:
            return Cell("—")
        local = value.astimezone(self.view.store_tz)
        this_year = local.year == self.now.astimezone(self.view.store_tz).year
        return Cell(
            f"{local:%b %d %H:%M}" if this_year else f"{local:%Y-%m-%d %H:%M}", flag=flag, nowrap=True
        )

    def money(self, value: Decimal | float | None, currency: str | None = None) -> str:
        return money(value, currency or self.view.currency)


def text(value: object | None) -> Cell:
    return Cell("—" if value is None or value == "" else str(value))


def num(value: float | int | None, digits: int = 0, flag: Flag | None = None) -> Cell:
    if value is None:
        return Cell("—", numeric=True)
    return Cell(f"{value:,.{digits}f}", numeric=True, flag=flag)


def yes(value: bool, flag: Flag | None = "bad") -> Cell:
    return Cell("yes", flag=flag) if value else Cell("no")


def by_id(rows: Iterable[T], key: str = "id") -> dict[int, T]:
    return {getattr(row, key): row for row in rows}


def load_by_ids(session: Session, model: type[T], ids: Sequence[int]) -> list[T]:
    """Return the rows with these ids in the order given, in one query; missing ids are left out."""
    if not ids:
        return []
    found = by_id(session.scalars(select(model).where(model.id.in_(set(ids)))))  # type: ignore[attr-defined]
    return [found[i] for i in ids if i in found]


def names_by_id(
    session: Session, model: type[Location] | type[TeamMember], ids: Iterable[int | None]
) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(wanted))).all())
