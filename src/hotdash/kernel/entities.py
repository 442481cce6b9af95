"""The entity registry: one key, label, business key, display name and record URL per kind of record.

The kernel sits below the store, so it cannot name the store's models; it holds the type and the registry,
and `hotdash.store.entities` registers the canonical entities into `ENTITIES` when it is imported. Anything
that names an entity (ingestion, the rule catalogue, record pages, drill-down links, detections, jobs) looks
it up here instead of keeping its own mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

# The record page's route. Every record link is built from it by `record_url`, and the page is mounted on it.
RECORD_ROUTE = "/records/{entity}/{record_id}"


def _plain(value: object) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Entity:
    """One kind of business record, and how people name, find and open one."""

    key: str  # the one name of the entity: in URLs, drill-down references, the API ("order")
    table: str  # its table: the name rules and imports use for it ("orders")
    model: type[Any]
    label: str  # "Order"
    plural: str  # "Orders"
    business_key: tuple[str, ...]  # the column(s) a person knows a record by, e.g. ("number",)
    business_key_label: str  # what those columns are called on a page, e.g. "Order number"
    display: Callable[[Any], str]  # a record's display name, e.g. "Order #1042"
    has_page: bool = True  # whether /records/<key>/<id> shows one

    def business_key_of(self, record: Any) -> str:
        """Return the business key of `record` as a person reads it, parts joined with " · "."""
        return " · ".join(_plain(getattr(record, name)) for name in self.business_key)

    def display_name(self, record: Any) -> str:
        """Return the name a record of this entity is shown under."""
        return self.display(record)

    def url(self, record_id: int) -> str | None:
        """Return the path of the record's page, or None when this entity has no record page."""
        return record_url(self.key, record_id) if self.has_page else None


class UnknownEntity(KeyError):
    """No entity is registered under that key, table or model."""

    def __str__(self) -> str:
        return str(self.args[0])


class EntityRegistry:
    """The entities by key, by table and by model; each registered once."""

    def __init__(self) -> None:
        self._by_key: dict[str, Entity] = {}
        self._by_table: dict[str, Entity] = {}
        self._by_model: dict[type[Any], Entity] = {}

    def register(self, *entities: Entity) -> None:
        """Add entities; a second entity with a key, table or model already taken is refused."""
        for entity in entities:
            taken = (
                entity.key in self._by_key or entity.table in self._by_table or entity.model in self._by_model
            )
            if taken:
                raise ValueError(f"entity {entity.key!r} ({entity.table}) is already registered")
            self._by_key[entity.key] = entity
            self._by_table[entity.table] = entity
            self._by_model[entity.model] = entity

    def get(self, key: str) -> Entity:
        """Return the entity named `key`, e.g. "order"."""
        try:
            return self._by_key[key]
        except KeyError:
            raise UnknownEntity(f"no entity {key!r}; the entities are {', '.join(self._by_key)}") from None

    def by_table(self, table: str) -> Entity:
        """Return the entity stored in `table`, e.g. "orders" (the name rules and imports use)."""
        try:
            return self._by_table[table]
        except KeyError:
            raise UnknownEntity(f"no entity is stored in table {table!r}") from None

    def by_model(self, model: type[Any]) -> Entity:
        """Return the entity whose records are instances of `model`."""
        try:
            return self._by_model[model]
        except KeyError:
            raise UnknownEntity(f"no entity for {model.__name__}") from None

    def knows_table(self, table: str) -> bool:
        """Return whether an entity is stored in `table`."""
        return table in self._by_table

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[Entity]:
        return iter(self._by_key.values())

    def with_pages(self) -> list[Entity]:
        """Return the entities that have a record page, in registration order."""
        return [e for e in self._by_key.values() if e.has_page]


# The one registry of the process; `hotdash.store.entities` fills it.
ENTITIES = EntityRegistry()


def record_url(key: str, record_id: int) -> str:
    """Return the path of one record's page, e.g. "/records/order/17"; the only place such a path is made."""
    entity = ENTITIES.get(key)
    if not entity.has_page:
        raise UnknownEntity(f"{entity.plural.lower()} have no record page")
    return RECORD_ROUTE.format(entity=entity.key, record_id=int(record_id))


def display_names(*, session: Session, entity: Entity, ids: Collection[int]) -> dict[int, str]:
    """Return the display name of each record of `entity` with one of `ids` (missing ones left out)."""
    if not ids:
        return {}
    model = entity.model
    rows = session.scalars(select(model).where(model.id.in_(set(ids))))
    return {row.id: entity.display_name(row) for row in rows}
