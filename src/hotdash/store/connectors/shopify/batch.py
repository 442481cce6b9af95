"""A canonical batch being built from one payload, and what the mappers need to know beside it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]
CanonicalBatch = Mapping[str, Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class MapContext:
    """What a payload does not say but a record needs.

    `default_timezone` is the store's: Shopify locations carry no timezone. `variant_for_item` answers which
    variant an inventory item belongs to when the payload names only the item (REST inventory levels).
    """

    default_timezone: str = "UTC"
    variant_for_item: Callable[[str], str | None] | None = None

    def variant_of(self, item_id: str) -> str:
        """Return the variant (SKU) external id of an inventory item, the item's own id when unknown."""
        if self.variant_for_item is not None:
            found = self.variant_for_item(item_id)
            if found:
                return found
        # Shopify gives a variant and its inventory item the same number in every recorded payload we have;
        # where they differ the SKU is not found and the level is rejected, visibly, not linked wrongly.
        return item_id


@dataclass
class BatchBuilder:
    """Records per entity in the order they were found; a record seen twice is merged, the later wins."""

    records: dict[str, dict[str, Record]] = field(default_factory=dict)

    def add(self, entity: str, record: Record) -> None:
        """Add `record` to `entity`, merging with an earlier record of the same external id."""
        bucket = self.records.setdefault(entity, {})
        key = record["external_id"]
        if key in bucket:
            bucket[key].update(record)
        else:
            bucket[key] = record

    def merge(self, other: BatchBuilder) -> None:
        """Add every record of `other`."""
        for entity, bucket in other.records.items():
            for record in bucket.values():
                self.add(entity, dict(record))

    def build(self) -> dict[str, list[Record]]:
        """Return the canonical batch."""
        return {entity: list(bucket.values()) for entity, bucket in self.records.items() if bucket}
