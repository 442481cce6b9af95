"""What the generator produces: rows per table plus the facts of the scenarios it planted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotdash.store.bulk import Column

SOURCE = "demo"


@dataclass
class Scenarios:
    """The situations the demo contains on purpose, so tests and the report can point at them."""

    delayed_carrier: str = ""
    delay_wave_shipments: int = 0
    wismo_tickets_in_wave: int = 0
    backlogged_location: str = ""
    low_cover_top_skus: list[str] = field(default_factory=list)
    dropping_page: str = ""
    high_value_refund_orders: list[str] = field(default_factory=list)
    legal_ticket: str = ""
    regulatory_ticket: str = ""


@dataclass
class DemoData:
    """Tables in insertion order: small ones as row dicts, large ones as columns."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    columns: dict[str, dict[str, Column]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    scenarios: Scenarios = field(default_factory=Scenarios)

    def add_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.rows[table] = rows
        self.order.append(table)

    def add_columns(self, table: str, columns: dict[str, Column]) -> None:
        self.columns[table] = columns
        self.order.append(table)

    def row_count(self, table: str) -> int:
        if table in self.rows:
            return len(self.rows[table])
        first = next(iter(self.columns[table].values()))
        return len(first)
