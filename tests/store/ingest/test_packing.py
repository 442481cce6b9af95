"""Columns the import worker sends come back to the importer exactly: same values, types and zones."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from hotdash.store.ingest.absent import ABSENT
from hotdash.store.ingest.packing import (
    AS_IS,
    DECIMAL_TEXTS,
    FROM_UTC_TEXTS,
    only_utc,
    pickled_columns,
    unpickled_columns,
    utc_texts,
)
from hotdash.store.ingest.writer import StoredForms, stored_forms
from hotdash.store.models import Order

MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
) | st.sampled_from([None, ABSENT])
AMOUNTS = st.decimals(allow_nan=False, allow_infinity=False, places=2) | st.sampled_from(
    [None, ABSENT, Decimal("-0.00"), Decimal("0"), Decimal("1E+3"), Decimal("12.340")]
)


def _same(sent: list[Any], got: list[Any]) -> None:
    assert len(got) == len(sent)
    for a, b in zip(sent, got, strict=True):
        assert type(a) is type(b)
        if a is ABSENT or a is None:
            assert b is a
        elif isinstance(a, Decimal):
            assert a.as_tuple() == b.as_tuple()  # sign, digits and exponent: "1.50" stays "1.50"
        else:
            assert a == b
            assert a.tzinfo is b.tzinfo is UTC


def _round_trip(columns: dict[str, list[Any]], texts: dict[str, list[Any]] | None) -> dict[str, list[Any]]:
    packed = pickle.loads(pickle.dumps(pickled_columns(columns, texts)))
    sent_texts = pickle.loads(pickle.dumps(texts))
    return unpickled_columns(packed, sent_texts)


@given(st.lists(AMOUNTS, min_size=1), st.lists(MOMENTS, min_size=1))
def test_amounts_and_utc_timestamps_come_back_exactly(amounts: list[Any], moments: list[Any]) -> None:
    columns = {"total": amounts, "placed_at": moments, "number": [str(i) for i in range(len(amounts))]}
    got = _round_trip(columns, {"placed_at": utc_texts(moments)})
    assert list(got) == list(columns)  # the columns' order too: it is the insert's column order
    _same(amounts, got["total"])
    _same(moments, got["placed_at"])
    assert got["number"] == columns["number"]


def test_each_column_travels_the_cheapest_exact_way() -> None:
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)
    berlin = timezone(timedelta(hours=1))
    columns: dict[str, list[Any]] = {
        "total": [Decimal("1.50"), None, ABSENT],
        "mixed": [Decimal("1.50"), 3],  # not only Decimals: pickled as they are
        "nothing": [None, ABSENT],
        "placed_at": [at, None],
        "shipped_at": [at.astimezone(berlin)],  # another zone: its UTC text would lose it
    }
    assert only_utc(columns["placed_at"])
    assert not only_utc(columns["shipped_at"])
    packed = pickled_columns(columns, {"placed_at": utc_texts(columns["placed_at"])})
    assert {name: how for name, (how, _blob) in packed.items()} == {
        "total": DECIMAL_TEXTS,
        "mixed": AS_IS,
        "nothing": AS_IS,
        "placed_at": FROM_UTC_TEXTS,
        "shipped_at": AS_IS,
    }
    got = unpickled_columns(packed, {"placed_at": ["2026-11-30 10:00:00.000000", None]})
    assert got["shipped_at"][0].tzinfo == berlin
    assert got["placed_at"] == [at, None]


def test_timestamps_sent_as_texts_need_those_texts() -> None:
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)
    packed = pickled_columns({"placed_at": [at]}, {"placed_at": utc_texts([at])})
    with pytest.raises(ValueError, match="placed_at was sent as UTC texts that did not come with it"):
        unpickled_columns(packed, None)


def test_stored_forms_mark_only_columns_wholly_in_utc() -> None:
    at = datetime(2026, 11, 30, 10, 0, 0, 7, tzinfo=UTC)
    forms = stored_forms(
        SQLiteDialect_pysqlite(),
        Order.__table__,
        {"placed_at": [at, ABSENT], "updated_at": [at.astimezone(timezone(timedelta(hours=2)))]},
    )
    assert forms.utc == {"placed_at"}
    assert forms.columns["placed_at"] == ["2026-11-30 10:00:00.000007", ABSENT]
    # The other zone went through the column's own processor, which stores the same UTC text; the column is
    # not marked, since that text would give back a datetime in UTC, not in the zone it came in.
    assert forms.columns["updated_at"] == ["2026-11-30 10:00:00.000007"]
    again: StoredForms = pickle.loads(pickle.dumps(forms))
    assert again == forms
