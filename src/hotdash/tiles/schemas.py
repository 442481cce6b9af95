"""What a tile says: its business status, figures with trends, a chart, exceptions and the next action.

These models are the tiles' contract with everything that shows them: the JSON API, the web pages, the
terminal and the Today page.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, computed_field, field_validator

from hotdash.kernel.entities import record_url

# Re-exported: the tiles' figures are in the tunables' units.
from hotdash.kernel.tunables import Unit as Unit
from hotdash.store.entities import ENTITIES


class Status(StrEnum):
    """How the business is doing in a tile's area, worst last."""

    ok = "ok"
    watch = "watch"
    warning = "warning"
    critical = "critical"

    @property
    def rank(self) -> int:
        return list(Status).index(self)

    @staticmethod
    def worst(*statuses: Status) -> Status:
        """Return the most severe of `statuses` (ok if none)."""
        return max(statuses, key=lambda s: s.rank, default=Status.ok)


class Trend(BaseModel):
    """A figure's value in a comparison window and the relative change to it."""

    previous: float | None = Field(description="the value in the comparison window")
    change_pct: float | None = Field(
        description="(current - previous) / previous x 100; null if previous is 0"
    )


class Figure(BaseModel):
    """A headline number."""

    key: str
    label: str
    value: float | None
    unit: Unit
    vs_last_week: Trend | None = Field(default=None, description="the same window one week earlier")
    vs_baseline: Trend | None = Field(
        default=None, description="the mean of the same window on the 7 days before"
    )
    better: Literal["up", "down", "neither"] = "up"


class Series(BaseModel):
    """One line, one set of bars, or one row of a heatmap."""

    name: str
    values: list[float | None]


class Chart(BaseModel):
    """A chart in a shape ECharts draws directly."""

    kind: Literal["line", "bar", "heatmap"]
    title: str
    x: list[str]
    series: list[Series]
    y: list[str] = Field(default_factory=list, description="row labels, for a heatmap")
    unit: Unit = "count"


class RecordRef(BaseModel):
    """A pointer to one underlying record, for drill-down."""

    entity: str = Field(description="the key of an entity with a record page, e.g. order, ticket, sku")
    id: int
    label: str

    @field_validator("entity")
    @classmethod
    def _has_a_page(cls, key: str) -> str:
        if key not in ENTITIES or not ENTITIES.get(key).has_page:
            raise ValueError(f"{key!r} is not an entity with a record page")
        return key

    @computed_field(description="the path of the record's page")  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        return record_url(self.entity, self.id)


class TileException(BaseModel):
    """One thing in a tile that needs attention, with the records behind it."""

    key: str = Field(description="stable within the tile, used in drill-down URLs")
    title: str
    detail: str
    severity: Status
    money_at_stake: Decimal | None = None
    action: str | None = None
    records: list[RecordRef] = Field(default_factory=list)
    record_count: int = Field(default=0, description="all matching records, even if fewer are listed")


class Recommendation(BaseModel):
    """The playbook's next action for the tile as a whole."""

    action: str
    why: str
    money_at_stake: Decimal | None = None
    playbook: str = Field(description="the decision rule in the operator guide this follows")


class TileResult(BaseModel):
    """Everything one tile shows."""

    name: str
    title: str
    status: Status
    status_reason: str
    window: str
    window_label: str
    computed_at: datetime
    currency: str
    figures: list[Figure]
    chart: Chart | None = None
    extra_charts: list[Chart] = Field(default_factory=list)
    exceptions: list[TileException] = Field(default_factory=list)
    recommendation: Recommendation


class Priority(BaseModel):
    """One of the Today page's top priorities."""

    tile: str
    tile_title: str
    severity: Status
    title: str
    action: str
    money_at_stake: Decimal | None
    exception_key: str | None
