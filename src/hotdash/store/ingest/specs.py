"""How each canonical record maps onto its table: references, natural keys, store scoping."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table

from hotdash.db.base import Base
from hotdash.store.entities import ENTITIES as REGISTRY
from hotdash.store.entities import Entity
from hotdash.store.ingest.records import RECORDS
from hotdash.store.models import (
    CalendarEvent,
    Customer,
    InventoryLevel,
    Location,
    Order,
    OrderLine,
    PageTraffic,
    Product,
    Refund,
    Return,
    Shipment,
    Sku,
    Supplier,
    TeamMember,
    Ticket,
    TrackingEvent,
)


@dataclass(frozen=True)
class Reference:
    """A `<name>_external_id` field of a record and the foreign key column it fills."""

    field: str
    column: str
    target: str


@dataclass(frozen=True)
class EntitySpec:
    """One entity as imported: the references it resolves and the key a row is found by."""

    entity: Entity  # from the registry: its table is the name a batch or file names the entity by
    references: tuple[Reference, ...] = ()
    natural_key: tuple[str, ...] = ()
    extra_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        return self.entity.table

    @property
    def model(self) -> type[Base]:
        model: type[Base] = self.entity.model
        return model

    @property
    def table(self) -> Table:
        table = self.model.__table__
        assert isinstance(table, Table)
        return table

    @property
    def scoped_to_store(self) -> bool:
        return "store_id" in self.table.c

    @property
    def has_updated_at(self) -> bool:
        return "updated_at" in self.table.c


def _entity(model: type[Base]) -> Entity:
    return REGISTRY.by_model(model)


def _refs(*triples: tuple[str, str]) -> tuple[Reference, ...]:
    return tuple(Reference(f"{column[:-3]}_external_id", column, target) for column, target in triples)


SPECS: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EntitySpec(_entity(Supplier)),
        EntitySpec(_entity(Product)),
        EntitySpec(_entity(Sku), _refs(("product_id", "products"), ("supplier_id", "suppliers"))),
        EntitySpec(_entity(Location)),
        EntitySpec(_entity(TeamMember)),
        EntitySpec(_entity(Customer)),
        EntitySpec(
            _entity(Order),
            _refs(("customer_id", "customers"), ("location_id", "locations"), ("staff_id", "team_members")),
        ),
        EntitySpec(_entity(OrderLine), _refs(("order_id", "orders"), ("sku_id", "skus"))),
        EntitySpec(
            _entity(Refund),
            _refs(
                ("order_id", "orders"),
            ),
        ),
        EntitySpec(
            _entity(Return),
            _refs(("order_id", "orders"), ("order_line_id", "order_lines"), ("refund_id", "refunds")),
        ),
        EntitySpec(
            _entity(InventoryLevel),
            _refs(("sku_id", "skus"), ("location_id", "locations")),
            natural_key=("sku_id", "location_id"),
        ),
        EntitySpec(_entity(Shipment), _refs(("order_id", "orders"), ("location_id", "locations"))),
        EntitySpec(
            _entity(TrackingEvent),
            _refs(
                ("shipment_id", "shipments"),
            ),
        ),
        EntitySpec(
            _entity(Ticket),
            _refs(("customer_id", "customers"), ("order_id", "orders"), ("assignee_id", "team_members")),
            extra_fields=frozenset({"customer_email", "order_number"}),
        ),
        EntitySpec(_entity(PageTraffic), natural_key=("store_id", "day", "landing_page")),
        EntitySpec(_entity(CalendarEvent)),
    )
}

assert list(SPECS) == list(RECORDS), "specs and records must list the entities in the same order"
ENTITIES: tuple[str, ...] = tuple(SPECS)
