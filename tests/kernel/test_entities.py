"""The entity registry: one key per entity, found by key, table or model, and one way to its record page."""

from __future__ import annotations

import pytest

from hotdash.detection.expression import ENTITIES as RULE_ENTITIES
from hotdash.kernel.entities import Entity, EntityRegistry, UnknownEntity, record_url
from hotdash.store.entities import ENTITIES
from hotdash.store.ingest.specs import SPECS
from hotdash.store.models import Order, Sku, Ticket
from hotdash.tiles.pages.records import BUILDERS


class Thing:
    def __init__(self, code: str, name: str) -> None:
        self.code, self.name = code, name


def _thing(key: str = "thing", table: str = "things", *, has_page: bool = True) -> Entity:
    return Entity(key, table, Thing, "Thing", "Things", ("code", "name"), "Code", lambda t: t.name, has_page)


def test_a_registry_finds_an_entity_by_key_table_and_model() -> None:
    registry = EntityRegistry()
    thing = _thing()
    registry.register(thing)

    assert registry.get("thing") is registry.by_table("things") is registry.by_model(Thing) is thing
    assert thing.business_key_of(Thing("T-1", "Bolt")) == "T-1 · Bolt"
    with pytest.raises(UnknownEntity, match="no entity 'things'; the entities are thing"):
        registry.get("things")
    with pytest.raises(ValueError, match="entity 'thing' \\(things\\) is already registered"):
        registry.register(_thing())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(_thing("other", "things"))


def test_the_store_registers_one_key_per_entity_with_its_page() -> None:
    order = ENTITIES.by_model(Order)
    assert (order.key, order.table, order.label, order.plural) == ("order", "orders", "Order", "Orders")
    assert record_url("order", 42) == "/records/order/42" == order.url(42)
    assert ENTITIES.by_table("skus") is ENTITIES.get("sku") is ENTITIES.by_model(Sku)
    assert ENTITIES.by_table("tickets").business_key == ("external_id",)
    level = ENTITIES.get("inventory_level")
    assert level.url(1) is None
    with pytest.raises(UnknownEntity, match="inventory levels have no record page"):
        record_url("inventory_level", 1)
    ticket = Ticket(subject="Where is my parcel?")
    assert ENTITIES.by_model(Ticket).display_name(ticket) == "Where is my parcel?"


def test_every_entity_rules_or_imports_name_is_registered_and_every_page_has_a_builder() -> None:
    tables = {e.table for e in ENTITIES}
    assert set(RULE_ENTITIES) <= tables
    assert set(SPECS) <= tables
    assert {name: RULE_ENTITIES[name].model for name in RULE_ENTITIES} == {
        name: ENTITIES.by_table(name).model for name in RULE_ENTITIES
    }
    assert set(BUILDERS) == {e.key for e in ENTITIES.with_pages()}
