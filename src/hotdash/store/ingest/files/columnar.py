"""The columnar path of file imports: whole columns of text turned into record values, no per-row model.

The per-row path (`convert_row`, then pydantic in `validate_record`) costs ~40 us a row; most rows of a
real export are plain, and for those the outcome is known without a model: an ISO timestamp, a decimal the
column holds, a string within its length. Each field gets one column converter that either produces exactly
the value the per-row path would (same parser, same rounding rule, same plausibility checks, reused from
`parse` and `records`) or marks the value as needing a look. A row with any such value goes through the
per-row path whole, so every rejected row gets word for word the reasons it gets there; the others skip it.
The validated rows then enter the upsert core at the same point as the per-row path's
(`apply_validated`): references, existing rows, stale/unchanged, writes and derived figures are one code.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from annotated_types import Ge, Le, MaxLen, MinLen

from hotdash.store.ingest.absent import ABSENT, holds
from hotdash.store.ingest.files.chunks import Chunk
from hotdash.store.ingest.files.formats import ERROR_COLUMN
from hotdash.store.ingest.files.parse import parse_bool, parse_decimal, parse_int
from hotdash.store.ingest.records import (
    RECORDS,
    DecimalRule,
    _no_nul,
    _plausible_day,
    _plausible_moment,
    describe_type,
)
from hotdash.store.ingest.specs import SPECS

# Entities whose file imports take this path. Calendar events, suppliers, locations and the rest are a few
# hundred rows at most; they keep the per-row path, where nothing is gained by a second one.
FAST_ENTITIES = frozenset(
    {
        "customers",
        "orders",
        "order_lines",
        "products",
        "skus",
        "inventory_levels",
        "tickets",
        "page_traffic",
        "refunds",
        "shipments",
        "tracking_events",
    }
)


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


BAD = _Marker("BAD")  # the row must take the per-row path (which will say why, or accept it after all)
_MISS = _Marker("MISS")
# Values of a column read before deciding whether remembering its distinct texts pays.
_SAMPLE = 2_048

Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class FieldRule:
    """What the record model demands of one field, read from its annotations."""

    kind: str
    nullable: bool
    min_len: int = 0
    max_len: int | None = None
    low: int | None = None
    high: int | None = None
    decimal: DecimalRule | None = None


def _metadata(annotation: Any) -> list[Any]:
    found: list[Any] = []
    if typing.get_origin(annotation) is typing.Annotated:
        found.extend(annotation.__metadata__)
    for arg in typing.get_args(annotation):
        found.extend(_metadata(arg))
    return found


@cache
def field_rule(entity: str, name: str) -> FieldRule:
    info = RECORDS[entity].model_fields[name]
    rule = FieldRule(kind=describe_type(entity, name), nullable="None" in str(info.annotation))
    values: dict[str, Any] = {}
    for item in [*info.metadata, *_metadata(info.annotation)]:
        if isinstance(item, MinLen):
            values["min_len"] = item.min_length
        elif isinstance(item, MaxLen):
            values["max_len"] = item.max_length
        elif isinstance(item, Ge):
            values["low"] = item.ge
        elif isinstance(item, Le):
            values["high"] = item.le
        elif isinstance(item, DecimalRule):
            values["decimal"] = item
    return FieldRule(**{**rule.__dict__, **values})


def _text(rule: FieldRule) -> Convert:
    low, high = rule.min_len, rule.max_len

    def check(value: Any) -> Any:
        if type(value) is int:
            value = str(value)  # JSON exports often give numeric ids
        elif type(value) is not str:
            return BAD
        word = value.strip()
        if len(word) < low or (high is not None and len(word) > high):
            return BAD
        try:
            return _no_nul(word)
        except ValueError:
            return BAD

    return check


def _timestamp(tz: ZoneInfo) -> Convert:
    def check(value: Any) -> Any:
        if type(value) is not str:
            return BAD
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return BAD  # other layouts, or nonsense: the per-row parser decides
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)  # the store's local time, as parse_timestamp reads it
        elif moment.utcoffset() is None:
            return BAD
        try:
            return _plausible_moment(moment)
        except ValueError:
            return BAD

    return check


def _date(value: Any) -> Any:
    if type(value) is not str:
        return BAD
    try:
        return _plausible_day(date.fromisoformat(value.strip()))
    except ValueError:
        return BAD


def _time(value: Any) -> Any:
    if type(value) is not str:
        return BAD
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        return BAD


def _decimal(rule: DecimalRule) -> Convert:
    quantum, limit = rule.quantum, rule.limit

    exact = rule.exact

    def check(value: Any) -> Any:
        if type(value) is str:
            try:
                value = parse_decimal(value)
            except ValueError:
                return BAD
        elif type(value) is not Decimal:
            return BAD
        rounded = exact(value, quantum, limit)
        return BAD if rounded is None else rounded

    return check


def _integer(rule: FieldRule) -> Convert:
    low, high = rule.low, rule.high

    def check(value: Any) -> Any:
        if type(value) is str:
            try:
                value = parse_int(value)
            except ValueError:
                return BAD
        elif type(value) is not int:
            return BAD
        if (low is not None and value < low) or (high is not None and value > high):
            return BAD
        return value

    return check


def _boolean(value: Any) -> Any:
    if type(value) is bool:
        return value
    if type(value) is not str:
        return BAD
    try:
        return parse_bool(value)
    except ValueError:
        return BAD


def _converter(entity: str, name: str, tz: ZoneInfo) -> Callable[[list[Any]], list[Any]]:
    rule = field_rule(entity, name)
    if rule.kind == "timestamp":
        typed = _timestamp(tz)
    elif rule.kind == "date":
        typed = _date
    elif rule.kind == "time":
        typed = _time
    elif rule.kind == "decimal":
        assert rule.decimal is not None, f"{entity}.{name}: a decimal field without its rule"
        typed = _decimal(rule.decimal)
    elif rule.kind == "integer":
        typed = _integer(rule)
    elif rule.kind == "boolean":
        typed = _boolean
    else:
        typed = _text(rule)
    # An empty cell (or null) means "no value", as in convert_row: null where allowed, else left out; a
    # record without its external id is the per-row path's to reject.
    empty: Any = None if rule.nullable else (BAD if name == "external_id" else ABSENT)

    def column(values: list[Any]) -> list[Any]:
        # One comprehension per column, the typed check called only for values that are there.
        return [
            typed(value)
            if type(value) is str and value and not value.isspace()
            else ABSENT
            if value is ABSENT
            else empty
            if value is None or type(value) is str
            else typed(value)
            for value in values
        ]

    if rule.kind == "timestamp":
        return column  # nearly every timestamp is different: remembering them would only cost

    def memoized(values: list[Any], memo: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        append = out.append
        for value in values:
            if type(value) is str:
                hit = memo.get(value, _MISS)
                if hit is _MISS:
                    hit = memo[value] = typed(value) if value and not value.isspace() else empty
                append(hit)
            elif value is ABSENT:
                append(ABSENT)
            elif value is None:
                append(empty)
            else:
                append(typed(value))
        return out

    def remembered(values: list[Any]) -> list[Any]:
        # Statuses, currencies, channels, round amounts repeat down a column: each distinct text is read
        # once per chunk. The checks are pure functions of the text, so the answer is the same. A column
        # of ids or order numbers hardly repeats: once a sample says so, the rest is read directly.
        memo: dict[str, Any] = {}
        head = memoized(values[:_SAMPLE], memo)
        if len(values) <= _SAMPLE:
            return head
        rest = values[_SAMPLE:]
        return head + (column(rest) if len(memo) > _SAMPLE // 2 else memoized(rest, memo))

    return remembered


class ColumnarConverter:
    """Converts chunks of rows of one entity, column by column."""

    def __init__(self, entity: str, tz: ZoneInfo) -> None:
        assert entity in FAST_ENTITIES, f"{entity} takes the per-row path"
        self.entity = entity
        self.fields = list(RECORDS[entity].model_fields)
        self.known = frozenset(self.fields) | {ERROR_COLUMN}
        self.converters = {name: _converter(entity, name, tz) for name in self.fields}
        assert SPECS[entity].name == entity

    def convert(self, chunk: Chunk) -> tuple[dict[str, list[Any]], list[bool]]:
        """Return the chunk's values by field (ABSENT where a row leaves a field out) and which rows fit.

        A row that does not fit (unreadable, an unknown field, a value to look at) holds BAD or raw values
        in the columns: the caller reads it by the per-row path and writes that row's values back.
        """
        fit = [True] * chunk.count
        for index in [*chunk.problems, *chunk.unknown_keys(self.known)]:
            fit[index] = False
        sent = chunk.names
        columns: dict[str, list[Any]] = {}
        for name in self.fields:
            if name not in sent:
                continue  # no row has it: nothing to convert
            column = self.converters[name](chunk.column(name))
            columns[name] = column
            if holds(column, BAD):
                for index in _indexes(column, BAD):
                    fit[index] = False
        return columns, fit


def _indexes(column: Iterable[Any], marker: Any) -> list[int]:
    return [index for index, value in enumerate(column) if value is marker]
