"""The building blocks of the entity catalogue: fields, relations, entities and their shared SQL helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, ColumnElement, Float, case, cast, literal, null
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotdash.db.dialects import epoch_seconds
from hotdash.detection.expression.types import FieldType
from hotdash.kernel.calendar import BusinessCalendar
from hotdash.kernel.entities import Entity as RecordEntity
from hotdash.kernel.tunables import LiveTunables
from hotdash.store import definitions
from hotdash.store.calendar import store_calendar
from hotdash.store.models import Store
from hotdash.store.sellers import Assessment, assess


class StoreRun:
    """The store a compiled rule is running on, for what is worked out per store in Python rather than SQL
    (the seller tiers and the stockout matrix, `hotdash.store.sellers`; SLA cutoffs from the business
    calendar): the evaluator begins each store's queries with `begin`, and the rule binds the answer as a
    parameter when it runs."""

    def __init__(self) -> None:
        self._at: tuple[Session, Store | None, datetime, Mapping[str, float]] | None = None
        self._assessed: Assessment | None = None
        self._cutoffs: dict[float, datetime] = {}
        self._calendar: BusinessCalendar | None = None

    def begin(
        self, *, session: Session, store: Store | None, now: datetime, values: Mapping[str, float]
    ) -> None:
        """Run the next queries on `store` (None: a store that does not exist) at `now` with `values`."""
        if self._at is None or self._at[1:] != (store, now, values) or self._at[0] is not session:
            self._at, self._assessed = (session, store, now, values), None
            self._cutoffs.clear()
            self._calendar = None

    def sla_cutoff(self, minutes: float) -> datetime:
        """Return the instant before which a clock started has used up `minutes` business minutes by now,
        in the store's business calendar (the same cutoff as a rule's `sla_field`)."""
        if self._at is None:
            raise RuntimeError("an SLA cutoff is known only while a rule runs on a store")
        session, store, now, _ = self._at
        if store is None:
            return now
        if minutes not in self._cutoffs:
            # The one business calendar and its one boundary (kernel.calendar), as the tiles use it; read
            # once per store and run, whatever the number of SLA lengths the rules ask about.
            if self._calendar is None:
                self._calendar = store_calendar(session=session, store=store)
            self._cutoffs[minutes] = self._calendar.breach_cutoff(now, minutes)
        return self._cutoffs[minutes]

    def assessment(self) -> Assessment:
        """Return the store's stockout assessment (worked out once per store and run)."""
        if self._at is None:
            raise RuntimeError(
                "seller tiers and stockout priorities are known only while a rule runs on a store"
            )
        if self._assessed is None:
            session, store, now, values = self._at
            if store is None:
                self._assessed = Assessment.empty(now)
            else:
                tz = ZoneInfo(store.timezone)
                self._assessed = assess(session=session, store_id=store.id, now=now, tz=tz, values=values)
        return self._assessed


@dataclass(frozen=True)
class Scope:
    """What a field's SQL is built from: the table (or alias) of one entity and the rule's clock."""

    table: Any
    now: BindParameter[datetime]
    today: BindParameter[date]  # the UTC date of `now`
    since_28d: BindParameter[date]  # `today` less 28 days
    # Read when the statement runs: a manager's change reaches a compiled (cached) rule at its next run.
    tunables: LiveTunables = field(default_factory=LiveTunables)
    store_run: StoreRun = field(default_factory=StoreRun)


Builder = Callable[[Scope], ColumnElement[Any]]


@dataclass(frozen=True)
class Field:
    """One name a rule can use, its type, what it means, and how to build its SQL on a scope."""

    name: str
    type: FieldType
    help: str
    build: Builder
    derived: bool = False
    tunables: tuple[str, ...] = ()  # the tunables its SQL reads, shown on the pages of rules that use it


@dataclass(frozen=True)
class Relation:
    """A related record reachable with `name.field`: at most one per record, found by a foreign key."""

    name: str
    entity: str
    help: str
    foreign_key: str  # column on this entity holding the related record's id


@dataclass(frozen=True)
class Entity:
    """A kind of record rules can select, with its fields and its related records."""

    record: RecordEntity  # the registry's entity: its table is the name rules use, its model the rows
    help: str
    fields: dict[str, Field]
    relations: dict[str, Relation] = field(default_factory=dict)
    # SQL that keeps one store's records, given the entity's table and a store id.
    in_store: Callable[[Any, int], ColumnElement[bool]] | None = None

    @property
    def name(self) -> str:
        """Return the name rules select the entity by: its table, e.g. "orders"."""
        return self.record.table

    @property
    def model(self) -> Any:
        return self.record.model


def column(name: str, kind: FieldType, help_text: str, attribute: str | None = None) -> Field:
    """Return a field read straight from a column of the entity's table."""
    key = attribute or name

    def build(scope: Scope) -> ColumnElement[Any]:
        value: InstrumentedAttribute[Any] = getattr(scope.table, key)
        return as_value(value, kind)

    return Field(name, kind, help_text, build)


def derived(
    name: str, kind: FieldType, help_text: str, build: Builder, tunables: tuple[str, ...] = ()
) -> Field:
    """Return a field computed in SQL from the record (and maybe related tables, the clock, tunables)."""
    return Field(name, kind, help_text, build, derived=True, tunables=tunables)


def as_value(value: Any, kind: FieldType) -> ColumnElement[Any]:
    """Return a column in the form rules compute with: numbers and money as double precision.

    Doing all arithmetic in floating point is what makes a rule select the same records on SQLite (which has
    no decimal type) and PostgreSQL (whose NUMERIC would otherwise be exact there and rounded here).
    """
    if kind in (FieldType.number, FieldType.money):
        return cast(value, Float)
    element: ColumnElement[Any] = value
    return element


def hours_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    """Return the hours from `earlier` to `later` (whole seconds / 3600), NULL if either is NULL."""
    seconds: ColumnElement[Any] = epoch_seconds(later) - epoch_seconds(earlier)
    return seconds / literal(3600.0, Float)


def minutes_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    """Return the minutes from `earlier` to `later` (whole seconds / 60), NULL if either is NULL."""
    seconds: ColumnElement[Any] = epoch_seconds(later) - epoch_seconds(earlier)
    return seconds / literal(60.0, Float)


def past_promise_hours(scope: Scope) -> ColumnElement[Any]:
    """Return how many hours an order is past its promise: the shared definition of a delayed order."""
    return definitions.order_delay_hours(scope.table, scope.now)


def ratio(numerator: ColumnElement[Any], denominator: ColumnElement[Any]) -> ColumnElement[Any]:
    """Return numerator / denominator in floating point, NULL when the denominator is 0 or NULL."""
    below = cast(denominator, Float)
    return cast(numerator, Float) / case((below == literal(0.0, Float), null()), else_=below)
