"""One record's page as the template reads it, and the small cells every record page shows."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hotdash.store.entities import ENTITIES
from hotdash.store.models import Store
from hotdash.tiles.pages.record_cells import Cell, Ctx, RecordTable, text


@dataclass
class RecordPage:
    """One record: its fields and the tables of rows related to it."""

    entity: str
    title: str
    fields: list[tuple[str, Cell]] = field(default_factory=list)
    sections: list[RecordTable] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return ENTITIES.get(self.entity).label


def store_name(session: Session, store_id: int | None) -> Cell:
    store = session.get(Store, store_id) if store_id is not None else None
    return text(store.name if store else None)


def link_or_dash(ctx: Ctx, entity: str, record_id: int | None, label: str | None) -> Cell:
    """Return a link to a related record named `label` (or "<kind> <id>"), or a dash when there is none."""
    if record_id is None:
        return text(None)
    return Cell(
        label or f"{ENTITIES.get(entity).label.lower()} {record_id}", href=ctx.link(entity, record_id)
    )
