"""Pydantic shapes of the store's API; the JSON that `/api/v1/info` and `hotdash info --json` print."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from hotdash.store.service import DatasetSummary


class _Out(BaseModel):
    # Output only: built from service results, never parsed from a request body (input models are strict).
    model_config = ConfigDict(frozen=True)


class EntityCountOut(_Out):
    """Rows in one table of the model."""

    key: str = Field(description="table name, stable across releases")
    label: str = Field(description="name to show a person")
    count: int


class StoreOut(_Out):
    """A store with the currency of its orders and the timezone of its business day."""

    id: int
    name: str
    currency: str
    timezone: str


class TimeSpanOut(_Out):
    """Earliest and latest timestamp, UTC; null when there are no records."""

    first: datetime | None
    last: datetime | None


class DaySpanOut(_Out):
    """Earliest and latest day in the store's own calendar; null when there are no records."""

    first: date | None
    last: date | None


class DateRangeOut(_Out):
    """How far the loaded data reaches."""

    orders: TimeSpanOut = Field(description="orders by placed_at")
    tickets: TimeSpanOut = Field(description="tickets by created_at")
    page_traffic: DaySpanOut = Field(description="page traffic by day")


class DatasetSummaryOut(_Out):
    """What is loaded in this HotDash database."""

    schema_revision: str | None = Field(description="migration the database is at; null if never migrated")
    head_revision: str = Field(description="newest migration this version of HotDash knows")
    schema_up_to_date: bool
    is_empty: bool = Field(description="true when nothing has been generated or imported yet")
    total_rows: int
    display_timezone: str = Field(description="zone the web pages show times in")
    entities: list[EntityCountOut]
    stores: list[StoreOut]
    date_range: DateRangeOut

    @classmethod
    def from_summary(cls, summary: DatasetSummary) -> DatasetSummaryOut:
        """Build the API shape from the service result."""
        span = summary.date_range
        return cls(
            schema_revision=summary.schema_revision,
            head_revision=summary.head_revision,
            schema_up_to_date=summary.schema_up_to_date,
            is_empty=summary.is_empty,
            total_rows=summary.total_rows,
            display_timezone=summary.display_timezone,
            entities=[EntityCountOut(key=e.key, label=e.label, count=e.count) for e in summary.entities],
            stores=[
                StoreOut(id=s.id, name=s.name, currency=s.currency, timezone=s.timezone)
                for s in summary.stores
            ],
            date_range=DateRangeOut(
                orders=TimeSpanOut(first=span.orders.first, last=span.orders.last),
                tickets=TimeSpanOut(first=span.tickets.first, last=span.tickets.last),
                page_traffic=DaySpanOut(first=span.page_traffic.first, last=span.page_traffic.last),
            ),
        )
