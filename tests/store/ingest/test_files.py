"""File import: encodings, delimiters, formats, row-numbered rejects that re-import, idempotence, chunks."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.store.ingest.files.formats import FileProblem, guess_format
from hotdash.store.ingest.files.service import FileImport, ImportSummary
from hotdash.store.models import Customer, ImportRun

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HEADER = "external_id,email,name,country,is_vip,created_at,updated_at"
ROWS = [
    "C1,ada@example.com,Ada Lovelace,GB,yes,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z",
    "C2,bob@example.com,Bob,,no,2026-11-02 09:00,2026-11-02 09:00",
    "C3,cy@example.com,Cy,US,maybe,2026-11-03,2026-11-03",
    "C4,dee@example.com,Dee,DE,0,2026-13-04,2026-11-04",
]


def run_import(
    session: Session, data: bytes, *, entity: str = "customers", name: str = "c.csv", **kw: Any
) -> ImportSummary:
    job = FileImport(session=session, entity=entity, binary=io.BytesIO(data), filename=name, now=NOW, **kw)
    summary = job.run(lambda _summary, _rows: session.commit())
    session.commit()
    return summary


def names(session: Session) -> dict[str, str | None]:
    return {ext: name for ext, name in session.execute(select(Customer.external_id, Customer.name))}


def test_bad_rows_are_reported_by_line_and_column_and_the_good_ones_land(session: Session) -> None:
    summary = run_import(session, "\n".join([HEADER, *ROWS]).encode())

    assert (summary.inserted, summary.rejected) == (2, 2)
    assert [(r.number, [(e.field, e.message) for e in r.errors]) for r in summary.first_rejects] == [
        (4, [("is_vip", "'maybe' is not a boolean: use true/false, 1/0 or yes/no")]),
        (
            5,
            [("created_at", "'2026-13-04' is not a timestamp: use ISO 8601, e.g. 2026-11-30T14:05:00+01:00")],
        ),
    ]
    assert names(session) == {"C1": "Ada Lovelace", "C2": "Bob"}
    bob = session.execute(select(Customer).where(Customer.external_id == "C2")).scalar_one()
    # A naive time is the store's (Berlin, UTC+1); an empty cell of a nullable field is null.
    assert bob.created_at == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert bob.country is None
    run = session.get(ImportRun, summary.run_id)
    assert run is not None
    assert (run.status, run.inserted, run.rejected, run.format, run.store_id) == ("done", 2, 2, "csv", 1)
    assert run.rejects is not None
    assert "row 4; is_vip" in run.rejects


def test_the_rejects_file_can_be_fixed_and_imported_again(session: Session) -> None:
    summary = run_import(session, "\n".join([HEADER, *ROWS]).encode())
    assert summary.rejects is not None
    lines = summary.rejects.splitlines()
    assert lines[0] == HEADER + ",_error"

    fixed = summary.rejects.replace(",maybe,", ",yes,").replace("2026-13-04", "2026-11-04")
    again = run_import(session, fixed.encode(), name="c.rejects.csv")

    assert (again.inserted, again.rejected) == (2, 0)
    assert set(names(session)) == {"C1", "C2", "C3", "C4"}


def test_importing_the_same_file_twice_changes_nothing(session: Session) -> None:
    data = "\n".join([HEADER, *ROWS[:2]]).encode()
    run_import(session, data)
    before = session.execute(select(Customer.id, Customer.name, Customer.updated_at)).all()

    again = run_import(session, data)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert session.execute(select(Customer.id, Customer.name, Customer.updated_at)).all() == before
    assert session.execute(select(func.count()).select_from(ImportRun)).scalar() == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_every_common_encoding_is_read_right(session: Session, encoding: str) -> None:
    # "€" exists in cp1252 but not in Latin-1; "\x81" is undefined in cp1252, so only Latin-1 reads it.
    name = {"latin-1": "Zoë Ü\x81"}.get(encoding, "Zoë Ü €")
    text = f"{HEADER}\nC9,zoe@example.com,{name},FR,no,2026-11-01,2026-11-01\n"

    summary = run_import(session, text.encode(encoding))

    assert summary.encoding == encoding
    assert names(session) == {"C9": name}


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(session: Session, delimiter: str) -> None:
    rows = [line.replace(",", delimiter) for line in [HEADER, *ROWS[:2]]]
    rows[1] = rows[1].replace("Ada Lovelace", '"Lovelace, Ada"' if delimiter == "," else "Lovelace, Ada")

    summary = run_import(session, "\r\n".join(rows).encode())

    assert (summary.delimiter, summary.inserted) == (delimiter, 2)
    assert names(session)["C1"] == "Lovelace, Ada"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"external_id,colour\nC1,red\n", "unknown columns for customers: colour"),
        (b"external_id,name,Name\nC1,a,b\n", "twice: name"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_is_recorded(
    session: Session, data: bytes, problem: str
) -> None:
    with pytest.raises(FileProblem, match=problem):
        run_import(session, data)
    session.commit()

    run = session.execute(select(ImportRun)).scalar_one()
    assert run.status == "failed"
    assert run.error is not None
    assert problem in run.error
    assert session.execute(select(func.count()).select_from(Customer)).scalar() == 0


def test_ndjson_rows_are_numbered_by_line(session: Session) -> None:
    lines = [
        json.dumps(
            {
                "external_id": "C1",
                "name": "Ada",
                "created_at": "2026-11-01T10:00:00Z",
                "updated_at": "2026-11-01T10:00:00Z",
                "is_vip": True,
            }
        ),
        "",
        "{not json",
        json.dumps(
            {"external_id": 77, "created_at": "2026-11-01", "updated_at": "2026-11-01", "tier": "gold"}
        ),
        "[1, 2]",
    ]

    summary = run_import(session, "\n".join(lines).encode(), name="c.ndjson")

    assert summary.format == "ndjson"
    assert summary.inserted == 0 + 1
    assert [(r.number, r.errors[0].field) for r in summary.first_rejects] == [(3, ""), (4, "tier"), (5, "")]
    assert summary.rejects is not None
    assert json.loads(summary.rejects.splitlines()[1])["_error"] == "row 4; tier: unknown field"


@pytest.mark.parametrize("wrapped", [False, True])
def test_json_arrays_and_entity_objects(session: Session, wrapped: bool) -> None:
    records: list[Any] = [
        {"external_id": "C1", "name": "Ada", "created_at": "2026-11-01", "updated_at": "2026-11-01"},
        {"external_id": "C2", "name": "Bob", "created_at": "2026-11-01", "updated_at": None},
        "C3",
    ]
    document = {"customers": records} if wrapped else records

    summary = run_import(session, json.dumps(document).encode(), name="export.json")

    assert (summary.format, summary.inserted, summary.rejected) == ("json", 1, 2)
    assert [r.number for r in summary.first_rejects] == [2, 3]
    assert summary.first_rejects[0].errors[0].field == "updated_at"
    assert summary.rejects is not None
    kept = json.loads(summary.rejects)["customers"]
    assert [r.get("external_id") for r in kept] == ["C2", None]
    assert kept[1]["_error"] == "row 3; a record must be a JSON object, not str: 'C3'"


def test_large_files_are_written_in_chunks(session: Session) -> None:
    rows = [f"C{i},c{i}@example.com,Customer {i},,no,2026-11-01,2026-11-01" for i in range(10)]
    chunks: list[int] = []
    job = FileImport(
        session=session, entity="customers", binary=io.BytesIO("\n".join([HEADER, *rows]).encode()),
        filename="c.csv", now=NOW, chunk_rows=3,
    )  # fmt: skip

    def committed(summary: ImportSummary, count: int) -> None:
        session.commit()
        chunks.append(count)
        # Each chunk is in the database once the caller commits it, before the next one is read.
        stored = session.execute(select(func.count()).select_from(Customer)).scalar()
        assert stored == summary.inserted

    summary = job.run(committed)

    assert chunks == [3, 3, 3, 1]
    assert summary.inserted == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"external_id": "C1"}\n{"external_id": "C2"}\n', "ndjson"),
        ('{"external_id": "C1"}\n', "ndjson"),
        ('{"customers": [\n  {"external_id": "C1"}\n]}\n', "json"),
        ('[{"external_id": "C1"}]', "json"),
        ("external_id,name\nC1,Ada\n", "csv"),
    ],
)
def test_the_format_of_a_file_without_an_extension_is_read_from_its_content(text: str, expected: str) -> None:
    assert guess_format("upload", text) == expected
