"""A chunk of file rows made ready for the upsert core: validated columns, each row's reasons. No database.

`prepare_chunk` is everything an import does to a chunk before it touches the database, and it depends only on
the chunk, the entity and the store's timezone, so it can run in another process (see `parallel`) while this
one writes the previous chunk. The plain rows are converted a column at a time (`columnar`); every other row
is read by the per-row path (`convert_row`, then the record model), which gives the reasons a bad row is
rejected with, and its values are written back into the columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from hotdash.store.ingest.absent import ABSENT
from hotdash.store.ingest.files.chunks import Chunk
from hotdash.store.ingest.files.columnar import ColumnarConverter
from hotdash.store.ingest.files.formats import ERROR_COLUMN
from hotdash.store.ingest.files.parse import converters
from hotdash.store.ingest.packing import pickled_columns, unpickled_columns
from hotdash.store.ingest.records import describe_type
from hotdash.store.ingest.results import FieldError
from hotdash.store.ingest.upsert import validate_record
from hotdash.store.ingest.writer import StoredForms

TextConverters = dict[str, tuple[Callable[[str], Any], bool]]


def _text_field(entity: str, name: str) -> bool:
    return describe_type(entity, name) == "text"


def convert_row(
    entity: str, values: dict[str, Any], table: TextConverters
) -> tuple[dict[str, Any], list[FieldError]]:
    """Turn one row's text (or JSON) values into record values; collect the reasons of those that fail."""
    record: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, value in values.items():
        if key == ERROR_COLUMN:
            continue
        converter = table.get(key)
        if converter is None:
            record[key] = value  # the core names it as an unknown field
            continue
        convert, nullable = converter
        if value is None or (isinstance(value, str) and not value.strip()):
            if nullable:
                record[key] = None
            continue
        if isinstance(value, str):
            try:
                record[key] = convert(value)
            except ValueError as bad:
                errors.append(FieldError(key, str(bad)))
        elif isinstance(value, int) and not isinstance(value, bool) and _text_field(entity, key):
            record[key] = str(value)  # JSON exports often give numeric ids
        else:
            record[key] = value
    return record, errors


@dataclass
class Prepared:
    """A chunk ready for `upsert_columns`: its rows as read, their values by field, why bad rows are bad."""

    chunk: Chunk
    columns: dict[str, list[Any]]
    # Only the rows already invalid are listed: most rows of a large file have nothing to say.
    errors: dict[int, list[FieldError]] = field(default_factory=dict)
    # Columns in the database's storage form, when the worker computed them (see parallel).
    stored: StoredForms | None = None
    # How far into the file the worker had read after this chunk (bytes), for the progress bar.
    position: int | None = None

    def __getstate__(self) -> dict[str, Any]:
        # UTC timestamps whose stored texts travel with the chunk are rebuilt from them (see packing).
        texts = self.stored.utc_texts() if self.stored is not None else None
        return {**self.__dict__, "columns": pickled_columns(self.columns, texts)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        stored: StoredForms | None = state["stored"]  # unpickled before this object's own state
        texts = stored.utc_texts() if stored is not None else None
        self.__dict__.update({**state, "columns": unpickled_columns(state["columns"], texts)})

    def row_errors(self) -> list[list[FieldError]]:
        """One list per row (empty for a valid row), as the upsert core takes them."""
        errors: list[list[FieldError]] = [[] for _ in range(self.chunk.count)]
        for index, reasons in self.errors.items():
            errors[index] = reasons
        return errors


class ChunkPreparer:
    """Prepares chunks of one entity's rows for a store in `tz`."""

    def __init__(self, entity: str, tz: ZoneInfo) -> None:
        self.entity = entity
        self.fast = ColumnarConverter(entity, tz)
        self.table = converters(entity, tz)

    def prepare(self, chunk: Chunk) -> Prepared:
        columns, fit = self.fast.convert(chunk)
        count = chunk.count
        errors: dict[int, list[FieldError]] = {}
        for index in [i for i, ok in enumerate(fit) if not ok]:
            # Not plain: the per-row path reads it, with its own reasons when it fails.
            row = chunk.row(index)
            record: dict[str, Any] = {}
            if row.problem is not None:
                problems = [FieldError("", row.problem)]
            else:
                values, problems = convert_row(self.entity, row.values, self.table)
                if not problems:
                    record, problems = validate_record(self.entity, values)
            if problems:
                errors[index] = problems
                record = {}  # rejected with its reasons; nothing of it is written
            for name in record.keys() - columns.keys():
                columns[name] = [ABSENT] * count
            for name, column in columns.items():
                column[index] = record.get(name, ABSENT)
        return Prepared(chunk, columns, errors)
