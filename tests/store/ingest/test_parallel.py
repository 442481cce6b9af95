"""A large import read by a worker process: the same rows, rejects and runs as in-process; failures said.

The worker is a real second interpreter reading the file from disk, as `hotdash import` starts it for a
large file; the tests force it on small files (`parallel=True`) with small chunks: many chunks cross the pipe.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotdash.store.ingest.files.formats import FileProblem
from hotdash.store.ingest.files.parallel import ChunkWorker, fewer_collections
from hotdash.store.ingest.files.service import FileImport, ImportSummary
from hotdash.store.models import ImportRun, Order
from tests.store.ingest.test_columnar import (
    CUSTOMERS,
    NOW,
    ORDER_COLUMNS,
    Pair,
    csv_bytes,
    order_rows,
)
from tests.store.ingest.test_properties import SETTINGS

# Rows every reader must get right, chosen by hand: blank lines, a quoted cell over two lines (in a row the
# core rejects, so the worker's importer reads it again from its lines), a row with one value too many, a
# short row, repeats of one id in a chunk, unknown customers, a bad timestamp.
MESSY = [
    ["O1", "C1", "#1", "web", "EUR", "10.00", "0", "10.00", "paid", "fulfilled", "", "2026-11-30T10:00:00Z",
     "2026-11-30T10:00:00Z", "", ""],
    ["O2", "C-none", "#2", "web", "EUR", "5", "0", "5", "paid", "fulfilled", "", "2026-11-30T10:00:00Z",
     "2026-11-30T10:00:00Z", "", ""],
    ["O3", "C-none", "#3", "pos", "EUR", "1,234.50", "", "1234.5", "paid", "unfulfilled", "a\nb",
     "2026-11-30 11:00", "2026-11-30T12:00:00Z", "", ""],
    ["O1", "C2", "#1", "web", "EUR", "11.00", "0", "11.00", "paid", "fulfilled", "", "2026-11-30T10:00:00Z",
     "2026-11-30T11:00:00Z", "", ""],
    ["O4", "", "#4", "web", "EUR", "3", "0", "3", "paid", "fulfilled", "", "2026-02-30T10:00:00Z",
     "2026-11-30T10:00:00Z", "", ""],
    ["O5", "", "#5", "web", "EUR", "3", "0", "3", "paid", "fulfilled", "", "2026-11-30T10:00:00Z",
     "2026-11-30T10:00:00Z", "", "", "extra"],
    ["O6", "", "#6"],
    ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
]  # fmt: skip


def _messy_bytes(copies: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ORDER_COLUMNS)
    for _ in range(copies):
        writer.writerows(MESSY)
        out.write("\r\n")  # a blank line between copies
    return out.getvalue().encode("utf-8")


def test_a_messy_file_through_the_worker_matches_the_per_row_path(session: Session, tmp_path: Path) -> None:
    pair = Pair(session, worker_folder=tmp_path)
    pair.both("customers", CUSTOMERS, "customers.csv")
    data = _messy_bytes(7)
    for chunk_rows in (3, 1000):
        slow, fast = pair.both("orders", data, "orders.csv", chunk_rows=chunk_rows)
        assert fast.parallel
        assert slow.rejected > 0
        # The unknown customers (one row over two lines), the bad timestamp, the row with a value too many.
        assert [r.number for r in slow.first_rejects][:4] == [3, 4, 7, 8]
    pair.same_rows()


@settings(SETTINGS, max_examples=5, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(first=order_rows(), second=order_rows())
def test_generated_order_rows_through_the_worker_match_the_per_row_path(
    session: Session, tmp_path: Path, first: list[list[str]], second: list[list[str]]
) -> None:
    pair = Pair(session, worker_folder=tmp_path)
    pair.both("customers", CUSTOMERS, "customers.csv")
    pair.both("orders", csv_bytes(first, ";"), "orders.csv", chunk_rows=4)
    pair.both("orders", csv_bytes(second, ";"), "orders.csv", chunk_rows=4)
    pair.same_rows()


def _orders_csv(path: Path, count: int) -> None:
    lines = [",".join(ORDER_COLUMNS)]
    for i in range(count):
        lines.append(
            f"W{i},,#{i},web,EUR,10.00,0,10.00,paid,fulfilled,,2026-11-{1 + i % 28:02d}T10:00:00Z,"
            "2026-11-30T10:00:00Z,,"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _import(
    session: Session,
    path: Path,
    on_chunk: Callable[[ImportSummary, int], None] | None = None,
    chunk_rows: int = 200,
) -> ImportSummary:
    def committed(summary: ImportSummary, rows: int) -> None:
        session.commit()
        if on_chunk is not None:
            on_chunk(summary, rows)

    positions: list[int] = []
    with path.open("rb") as binary:
        job = FileImport(
            session=session, entity="orders", binary=binary, filename=path.name, now=NOW,
            chunk_rows=chunk_rows, parallel=True,
        )  # fmt: skip

        def progress(summary: ImportSummary, rows: int) -> None:
            positions.append(job.bytes_read)
            committed(summary, rows)

        summary = job.run(progress)
    session.commit()
    # The progress bar follows the worker through the file, to its end.
    assert positions == sorted(positions)
    assert positions[-1] == path.stat().st_size
    return summary


def _worker_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"hotdash.store.ingest.files.worker" in command:
            found.append(int(entry.name))
    return found


def test_a_killed_worker_fails_the_import_keeps_what_was_committed_and_a_rerun_finishes(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    _orders_csv(path, 3000)
    chunks_seen = []

    def kill_after_two(_summary: ImportSummary, _rows: int) -> None:
        chunks_seen.append(_rows)
        if len(chunks_seen) == 2:
            (pid,) = _worker_pids()
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(FileProblem, match=r"the process reading the file stopped \(exit code -9\)"):
        _import(session, path, kill_after_two)
    session.commit()
    kept = session.execute(select(func.count()).select_from(Order)).scalar_one()
    # Whole chunks only: the two before the kill, and any the worker had already handed over.
    assert kept % 200 == 0
    assert 400 <= kept < 3000
    run = session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(1)).scalar_one()
    assert run.status == "failed"
    assert "exit code -9" in (run.error or "")
    assert run.inserted == kept
    again = _import(session, path)
    assert (again.inserted, again.unchanged, again.rejected) == (3000 - kept, kept, 0)
    assert again.parallel


def test_a_worker_that_cannot_read_its_file_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "gone.csv"
    worker = ChunkWorker(
        path=missing, encoding="utf-8", fmt="csv", entity="orders", timezone="UTC", size=10, dialect="sqlite"
    )
    with worker, pytest.raises(FileProblem, match="reading the file failed: FileNotFoundError"):
        list(worker)


def test_overlapping_imports_leave_garbage_collection_as_they_found_it() -> None:
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold()[0] > before[0]
    first.__exit__(None, None, None)  # the first import ends while the second still runs
    assert gc.get_threshold()[0] > before[0]
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_an_import_that_fails_while_writing_stops_its_worker(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    _orders_csv(path, 3000)

    def fail(_summary: ImportSummary, _rows: int) -> None:
        assert _worker_pids(), "the worker runs while the import does"
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        _import(session, path, fail)
    # No worker left behind, nor the thread reading its chunks, though the exception (and its traceback) is
    # still alive here.
    assert _worker_pids() == []
    assert [t.name for t in threading.enumerate() if t.name == "import-chunks"] == []
