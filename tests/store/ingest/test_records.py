"""The record models describe exactly the tables they fill: no column forgotten, none invented."""

from __future__ import annotations

import pytest

from hotdash.store.ingest.records import DERIVED, RECORDS, patch_model, required_fields
from hotdash.store.ingest.specs import SPECS


@pytest.mark.parametrize("entity", list(RECORDS))
def test_every_column_is_a_record_field_and_back(entity: str) -> None:
    spec = SPECS[entity]
    renamed = {ref.column: ref.field for ref in spec.references}
    columns = {
        renamed.get(name, name)
        for name in spec.table.c.keys()  # noqa: SIM118 - a ColumnCollection iterates columns
        if name not in {"id", "source", "store_id"} and name not in DERIVED.get(entity, {})
    }

    assert set(RECORDS[entity].model_fields) == columns | spec.extra_fields


@pytest.mark.parametrize("entity", list(RECORDS))
def test_required_fields_are_the_columns_a_new_row_cannot_do_without(entity: str) -> None:
    spec = SPECS[entity]
    renamed = {ref.column: ref.field for ref in spec.references}
    needed = {
        renamed.get(column.name, column.name)
        for column in spec.table.c
        if not column.nullable and column.default is None and column.name not in {"id", "source", "store_id"}
    }

    assert set(required_fields(entity)) == needed


def test_the_patch_form_accepts_a_partial_record_but_not_a_null_in_a_required_field() -> None:
    patch = patch_model("orders")

    assert patch.model_validate({"external_id": "O1", "tags": "vip"}).model_fields_set == {
        "external_id",
        "tags",
    }
    with pytest.raises(ValueError, match="placed_at"):
        patch.model_validate({"external_id": "O1", "placed_at": None})
