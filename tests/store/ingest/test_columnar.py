"""The columnar path of file imports stores and rejects exactly what the per-row path does.

Every test imports the same bytes twice, into two stores of the same timezone: once forced through the
per-row path (`columnar=False`), once as the importer chooses (columnar for these entities), and compares
the stored rows (references by the external id they point at), the derived figures and rollups, the summary,
the rejects with their row numbers, columns and reasons, and the import runs.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Table, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from hotdash.db.types import Money, UTCDateTime
from hotdash.store.ingest.files.columnar import FAST_ENTITIES
from hotdash.store.ingest.files.service import FileImport, ImportSummary
from hotdash.store.ingest.records import RECORDS
from hotdash.store.ingest.specs import SPECS
from hotdash.store.ingest.writer import sqlite_money, sqlite_utc_texts
from hotdash.store.models import ImportRun, SalesHourly, Sku, SkuSalesDaily
from tests.store.ingest.conftest import add_store
from tests.store.ingest.test_properties import FILE_CORRUPTIONS, SETTINGS

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def run(
    session: Session, store_id: int, source: str, entity: str, data: bytes, name: str, *, columnar: bool,
    chunk_rows: int | None = None, folder: Path | None = None,
) -> ImportSummary:  # fmt: skip
    """Import `data`; with a folder, from a file there, prepared by the worker process."""
    binary: IO[bytes] = io.BytesIO(data)
    if folder is not None:
        path = folder / f"{uuid.uuid4().hex[:8]}-{name}"
        path.write_bytes(data)
        binary = path.open("rb")
    with binary:
        summary = FileImport(
            session=session, entity=entity, binary=binary, filename=name, now=NOW, store_id=store_id,
            source=source, columnar=None if columnar else False, chunk_rows=chunk_rows,
            parallel=folder is not None,
        ).run(lambda _summary, _rows: session.commit())  # fmt: skip
    session.commit()
    assert summary.parallel == (folder is not None and summary.columnar)
    return summary


def _external_ids(session: Session, table: Table) -> dict[int, str]:
    return {row[0]: row[1] for row in session.execute(select(table.c.id, table.c.external_id))}


def snapshot(session: Session, source: str, store_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the source wrote, ids replaced by external ids, plus the store's rollups."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for entity, spec in SPECS.items():
        table = spec.table
        targets = {ref.column: SPECS[ref.target].table for ref in spec.references}
        names = {
            ref.column: _external_ids(session, t) for ref in spec.references for t in [targets[ref.column]]
        }
        skip = {"id", "source", "store_id"}
        rows = []
        for row in session.execute(select(table).where(table.c.source == source)).mappings():
            rows.append(
                tuple(
                    (key, names[key].get(value) if key in names and value is not None else value)
                    for key, value in row.items()
                    if key not in skip
                )
            )
        out[entity] = sorted(rows, key=repr)
    skus = _external_ids(session, Sku.__table__)  # type: ignore[arg-type]
    for model in (SalesHourly, SkuSalesDaily):
        table = model.__table__
        rows = [
            tuple(
                (k, skus.get(v) if k == "sku_id" else v)
                for k, v in row.items()
                if k not in {"id", "store_id"}
            )
            for row in session.execute(select(table).where(table.c.store_id == store_id)).mappings()
        ]
        out[table.name] = sorted(rows, key=repr)
    return out


def outcome(summary: ImportSummary, source: str) -> tuple[Any, ...]:
    """The summary, with the source's name (which reasons quote) made the same on both sides."""
    return (
        summary.inserted, summary.updated, summary.unchanged, summary.stale, summary.rejected,
        [(r.number, [(e.field, e.message.replace(source, "SOURCE")) for e in r.errors])
         for r in summary.first_rejects],
        (summary.rejects or "").replace(source, "SOURCE"),
    )  # fmt: skip


def run_record(session: Session, run_id: int, source: str) -> tuple[Any, ...]:
    run_row = session.get(ImportRun, run_id)
    assert run_row is not None
    return (run_row.status, run_row.inserted, run_row.updated, run_row.unchanged, run_row.stale,
            run_row.rejected, (run_row.rejects or "").replace(source, "SOURCE"), run_row.format)  # fmt: skip


class Pair:
    """Two stores, one per path, fed the same files in the same order."""

    def __init__(self, session: Session, worker_folder: Path | None = None) -> None:
        """With `worker_folder`, the columnar side reads files from there through the worker process."""
        self.session = session
        self.folder = worker_folder
        tag = uuid.uuid4().hex[:8]
        self.slow = (add_store(session, external_id=f"slow-{tag}"), f"slow-{tag}")
        self.fast = (add_store(session, external_id=f"fast-{tag}"), f"fast-{tag}")
        session.commit()

    def both(
        self, entity: str, data: bytes, name: str, chunk_rows: int | None = None
    ) -> tuple[ImportSummary, ImportSummary]:
        slow = run(self.session, *self.slow, entity, data, name, columnar=False, chunk_rows=chunk_rows)
        fast = run(
            self.session,
            *self.fast,
            entity,
            data,
            name,
            columnar=True,
            chunk_rows=chunk_rows,
            folder=self.folder,
        )
        assert not slow.columnar
        assert fast.columnar == (entity in FAST_ENTITIES and not name.endswith(".json"))
        assert outcome(fast, self.fast[1]) == outcome(slow, self.slow[1]), entity
        assert run_record(self.session, fast.run_id, self.fast[1]) == run_record(
            self.session, slow.run_id, self.slow[1]
        )
        return slow, fast

    def same_rows(self) -> None:
        slow = snapshot(self.session, self.slow[1], self.slow[0])
        fast = snapshot(self.session, self.fast[1], self.fast[0])
        assert fast == slow


def test_every_example_file_lands_the_same_by_both_paths(session: Session) -> None:
    pair = Pair(session)
    files = {path.stem: path for path in EXAMPLES.iterdir()}
    for entity in RECORDS:
        slow, _ = pair.both(entity, files[entity].read_bytes(), files[entity].name)
        assert slow.inserted > 0, entity
    pair.same_rows()
    # Again: every row unchanged on both sides.
    for entity in RECORDS:
        slow, _ = pair.both(entity, files[entity].read_bytes(), files[entity].name)
        assert slow.unchanged == slow.rows - slow.rejected, entity
    pair.same_rows()


ORDER_COLUMNS = ["external_id", "customer_external_id", "number", "channel", "currency", "subtotal",
                 "discount_total", "total", "financial_status", "fulfillment_status", "tags", "placed_at",
                 "updated_at", "ship_by", "cancelled_at"]  # fmt: skip

GOOD_CELLS: dict[str, st.SearchStrategy[str]] = {
    "customer_external_id": st.sampled_from(["", "C1", "C2", "C-none"]),
    "number": st.integers(1, 99999).map(lambda n: f"#{n}"),
    "channel": st.sampled_from(["web", " pos ", "marketplace"]),
    "currency": st.sampled_from(["EUR", "eur", " USD"]),
    "subtotal": st.sampled_from(["12.5", "1,234.50", "1.234,50", "€ 9,99", "0", "-3.125", "7.005", "12"]),
    "discount_total": st.sampled_from(["", "0", "1.50"]),
    "total": st.decimals(min_value=-1000, max_value=100000, places=3).map(str),
    "financial_status": st.sampled_from(["paid", "pending"]),
    "fulfillment_status": st.sampled_from(["fulfilled", "unfulfilled"]),
    "tags": st.sampled_from(["", "gift", "a,b", "  spaced  "]),
    "placed_at": st.sampled_from(
        [
            "2026-03-29T02:30:00",
            "2026-10-25 02:30",
            "2026-11-30T14:05:00+01:00",
            "2026-11-30 13:05Z",
            "Mon, 30 Nov 2026 13:05:00 +0000",
            "2026/11/30 14:05",
            "30.11.2026 14:05",
            "11/30/2026",
            "2026-11-30",
            "2026-11-30T14:05:00.123456Z",
        ]
    ),
    "updated_at": st.sampled_from(["2026-11-30T15:00:00Z", "2026-12-01 09:00", "2026-11-29T00:00:00+05:30"]),
    "ship_by": st.sampled_from(["", "2026-12-02T12:00:00Z", "12/24/2026"]),
    "cancelled_at": st.sampled_from(["", "", "2026-12-01T00:00:00Z"]),
}
# Anything a person might type into any cell, short: the per-row path is the judge of what it means.
NOISE = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=["Cs"], exclude_characters='\x00\r\n"', max_codepoint=0x2FF
    ),
    max_size=12,
)


@st.composite
def order_rows(draw: st.DrawFn) -> list[list[str]]:
    count = draw(st.integers(1, 14))
    rows = []
    for i in range(count):
        # Repeated external ids share a chunk: the rounds must order them the same on both paths.
        ext = draw(st.sampled_from([f"O{i}", f"O{i}", "O0", "", " O1 "]))
        cells = [ext] + [draw(GOOD_CELLS[c]) for c in ORDER_COLUMNS[1:]]
        for _ in range(draw(st.integers(0, 2))):
            column = draw(st.integers(0, len(ORDER_COLUMNS) - 1))
            kind = draw(st.sampled_from(["noise", "corruption", "empty"]))
            if kind == "noise":
                cells[column] = draw(NOISE)
            elif kind == "corruption":
                name, text, _ = draw(st.sampled_from(FILE_CORRUPTIONS))
                cells[ORDER_COLUMNS.index(name)] = text
            else:
                cells[column] = ""
        if draw(st.integers(0, 5)) == 0:
            cells = cells[: draw(st.integers(1, len(cells)))]  # a short row: the missing cells are left out
        rows.append(cells)
    return rows


def csv_bytes(rows: list[list[str]], delimiter: str = ",") -> bytes:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if delimiter in text or '"' in text else text

    lines = [delimiter.join(ORDER_COLUMNS)] + [delimiter.join(cell(c) for c in row) for row in rows]
    return "\r\n".join(lines).encode("utf-8")


CUSTOMERS = (
    b"external_id,email,created_at,updated_at\n"
    b"C1,one@example.com,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z\n"
    b"C2,two@example.com,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z\n"
)


# No shrinking: on a loaded machine it can take many minutes; the failing example is printed either way.
@settings(SETTINGS, max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(first=order_rows(), second=order_rows(), delimiter=st.sampled_from([",", ";", "\t"]))
def test_malformed_and_repeated_order_rows_get_the_same_outcomes_by_both_paths(
    session: Session, first: list[list[str]], second: list[list[str]], delimiter: str
) -> None:
    pair = Pair(session)
    pair.both("customers", CUSTOMERS, "customers.csv")
    pair.both("orders", csv_bytes(first, delimiter), "orders.csv")
    # A second file over the first: updates, unchanged and stale rows, decided the same way.
    pair.both("orders", csv_bytes(second, delimiter), "orders.csv")
    pair.same_rows()


def test_ndjson_with_typed_values_unknown_fields_and_derived_fields_matches(session: Session) -> None:
    lines = [
        '{"external_id": "C1", "email": "a@example.com", "created_at": "2026-11-01T10:00:00Z", '
        '"updated_at": "2026-11-01T10:00:00Z", "is_vip": true}',
        '{"external_id": 17, "created_at": "2026-11-01", "updated_at": "2026-11-01"}',
        '{"external_id": "C3", "created_at": "2026-11-01", "updated_at": "2026-11-01", "colour": "red"}',
        '{"external_id": "C4", "created_at": "2026-11-01", "updated_at": "2026-11-01", "orders_count": 3}',
        '{"external_id": "C5", "created_at": 20261101, "updated_at": "2026-11-01", "is_vip": "yes"}',
        '{"external_id": "C6", "created_at": "2026-11-01", "updated_at": "2026-11-01", "is_vip": 1}',
        '{"external_id": "C7", "created_at": "2026-11-01", "updated_at": "2026-11-01", "name": null}',
        '{"external_id": "C8", "created_at": "2026-11-01", "updated_at": "2026-11-01", "country": "GBR"}',
        '{"external_id": "C9", "created_at": "1850-01-01", "updated_at": "2026-11-01", "tags": ["x"]}',
        "[1, 2]",
        '{"external_id": "C1", "created_at": "2026-11-01", "updated_at": "2026-10-01T00:00:00Z"}',
    ]
    pair = Pair(session)
    slow, _ = pair.both("customers", "\n".join(lines).encode(), "customers.ndjson")
    # C1, 17 (a numeric id) and C7 land; C1 again is older; JSON 1 is not a boolean, C5 needs a string.
    assert (slow.inserted, slow.stale) == (3, 1)
    assert [r.number for r in slow.first_rejects] == [3, 4, 5, 6, 8, 9, 10]
    pair.same_rows()


def test_a_file_larger_than_a_chunk_matches(session: Session) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    lines = ["external_id,day,landing_page,sessions,conversions,revenue"]
    for i in range(1200):
        day = (start + timedelta(days=i % 40)).date().isoformat()
        revenue = "oops" if i % 97 == 0 else f"{i * 1.5:.2f}"
        lines.append(f"T{i % 1000},{day},/p/{i % 30},{i},{i % 7},{revenue}")
    pair = Pair(session)
    data = "\n".join(lines).encode()
    # Chunks of 500: the same ids and natural keys come back in later chunks, as updates.
    slow, _ = pair.both("page_traffic", data, "traffic.csv", chunk_rows=500)
    assert slow.rejected > 0
    assert slow.updated + slow.inserted + slow.unchanged > 0
    pair.same_rows()


def test_the_sqlite_storage_shortcuts_store_what_the_column_types_store() -> None:
    dialect = sqlite.dialect()
    stamps: list[Any] = [
        datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), datetime(1900, 1, 1, tzinfo=UTC), None,
        datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]  # fmt: skip
    to_text = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert to_text is not None
    assert sqlite_utc_texts(stamps, to_text) == [to_text(v) for v in stamps]
    assert sqlite_utc_texts(stamps, to_text)[0] == "2026-01-02 03:04:05.000006"
    amounts: list[Any] = [Decimal("0.00"), Decimal("-12.35"), Decimal("999999999999.99"), None, 7]
    to_number = Money().dialect_impl(dialect).bind_processor(dialect)
    assert to_number is not None
    assert sqlite_money(amounts, to_number) == [to_number(v) for v in amounts]
