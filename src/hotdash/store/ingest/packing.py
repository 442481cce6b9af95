"""Columns of validated values pickled to go to another process (the import worker's chunks), given back
exactly.

Pickling is a real share of what the worker does per row, and unpickling of what the importer does, so the
two value types that pickle slowly are sent another way:

- A column of Decimals is sent as their texts: `Decimal(str(d))` is `d` again, with its exponent and sign,
  and one text pickles six times as fast as the Decimal, whose pickle is a call to its class.
- A column of UTC timestamps whose SQLite storage form travels too (`writer.stored_forms`) is not sent at
  all: that form is the instant's UTC text to the microsecond, which `datetime.fromisoformat` reads back as
  the same aware datetime, as fast as unpickling one.

Each column is pickled on its own: one pickle of 750,000 values keeps them all in its memo table and takes
three times longer than fifteen pickles of 50,000.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hotdash.store.ingest.absent import ABSENT

# How each column travels: pickled as it is, Decimals as texts, or rebuilt from the UTC texts sent beside it.
AS_IS, DECIMAL_TEXTS, FROM_UTC_TEXTS = "as is", "decimal texts", "from utc texts"
Packed = tuple[str, bytes]


def only_utc(values: Sequence[Any]) -> bool:
    """Whether every value is an aware datetime in UTC, null, or ABSENT (what `utc_moments` gives back)."""
    return all(
        (type(value) is datetime and value.tzinfo is UTC) or value is None or value is ABSENT
        for value in values
    )


def utc_text(moment: datetime) -> str:
    """The SQLite storage form of a UTC timestamp: "YYYY-MM-DD HH:MM:SS.ffffff".

    It is what SQLAlchemy's SQLite datetime processor writes, and what isoformat writes with these arguments
    before the offset (isoformat pads the year to four digits, so the length is fixed).
    """
    return moment.isoformat(" ", "microseconds")[:26]


def utc_texts(values: Sequence[Any]) -> list[Any]:
    """`utc_text` of each value of a column that `only_utc` accepts; null and ABSENT kept."""
    return [utc_text(value) if type(value) is datetime else value for value in values]


def utc_moments(texts: Sequence[Any]) -> list[Any]:
    """The aware UTC datetimes `utc_texts` was given, again; null and ABSENT kept."""
    # An explicit zero offset makes fromisoformat return datetime.UTC itself as the tzinfo.
    return [datetime.fromisoformat(text + "+00:00") if type(text) is str else text for text in texts]


def pickled_columns(
    columns: Mapping[str, Sequence[Any]], rebuilt_from: Mapping[str, Sequence[Any]] | None = None
) -> dict[str, Packed]:
    """Each column packed for `unpickled_columns`.

    `rebuilt_from` names the columns (all of UTC timestamps, see `only_utc`) whose `utc_texts` the receiver
    is given with the columns: those are not sent.
    """
    out: dict[str, Packed] = {}
    for name, values in columns.items():
        if rebuilt_from is not None and name in rebuilt_from:
            out[name] = (FROM_UTC_TEXTS, b"")
        elif _decimals(values):
            texts = [str(value) if type(value) is Decimal else value for value in values]
            out[name] = (DECIMAL_TEXTS, pickle.dumps(texts, pickle.HIGHEST_PROTOCOL))
        else:
            out[name] = (AS_IS, pickle.dumps(values, pickle.HIGHEST_PROTOCOL))
    return out


def unpickled_columns(
    packed: Mapping[str, Packed], rebuilt_from: Mapping[str, Sequence[Any]] | None = None
) -> dict[str, list[Any]]:
    """The columns `pickled_columns` packed, in their order, from our own worker process's bytes."""
    out: dict[str, list[Any]] = {}
    for name, (how, blob) in packed.items():
        if how == FROM_UTC_TEXTS:
            if rebuilt_from is None or name not in rebuilt_from:
                raise ValueError(f"column {name} was sent as UTC texts that did not come with it")
            out[name] = utc_moments(rebuilt_from[name])
            continue
        values = pickle.loads(blob)  # noqa: S301 - our own worker process's bytes, through a pipe
        if how == DECIMAL_TEXTS:
            decimals = _Decimals()  # amounts repeat (zero discounts, common prices): each read once
            values = [decimals[value] if type(value) is str else value for value in values]
        elif how != AS_IS:
            raise ValueError(f"column {name} packed in an unknown way: {how!r}")
        out[name] = values
    return out


class _Decimals(dict[str, Decimal]):
    def __missing__(self, text: str) -> Decimal:
        value = self[text] = Decimal(text)
        return value


def _decimals(values: Sequence[Any]) -> bool:
    # Some Decimal, and nothing else but nulls and ABSENT: then each text is read back as a Decimal.
    seen = False
    for value in values:
        if type(value) is Decimal:
            seen = True
        elif value is not None and value is not ABSENT:
            return False
    return seen
