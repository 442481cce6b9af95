"""Import a file of one entity: read, parse, upsert in chunks, record the run and the rejected rows.

Rows go to the upsert core in chunks (CHUNK_ROWS, or COLUMNAR_CHUNK_ROWS on the columnar path); after each
chunk the caller's `on_chunk` runs, which is where the CLI and the web layer commit, so a large file never
becomes one huge transaction and memory stays flat. Importing the same file twice changes nothing: every row
comes back "unchanged".

CSV and NDJSON files of the entities in `columnar.FAST_ENTITIES` take the columnar path (see that module):
the plain rows skip the per-row model, the others take the per-row path, and both enter the core at
`apply_validated`, so the outcome of every row is the same whichever path it took.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.ingest.columns import upsert_columns
from hotdash.store.ingest.files.chunks import DictRows, RawRow, Rows
from hotdash.store.ingest.files.columnar import FAST_ENTITIES
from hotdash.store.ingest.files.formats import (
    ERROR_COLUMN,
    FileFormat,
    FileProblem,
    guess_format,
    open_text,
    read_csv,
    read_json,
    read_ndjson,
)
from hotdash.store.ingest.files.parallel import (
    ChunkWorker,
    big_enough,
    fewer_collections,
    file_path,
    usable_cores,
)
from hotdash.store.ingest.files.parse import converters
from hotdash.store.ingest.files.prepare import ChunkPreparer, Prepared, TextConverters, convert_row
from hotdash.store.ingest.files.rejects import MAX_STORED_CHARS, RejectsWriter, describe
from hotdash.store.ingest.records import RECORDS
from hotdash.store.ingest.results import BatchResult, FieldError, UnknownStore
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import ImportRun, Store

CHUNK_ROWS = 5_000
# Per-chunk work (reference and existing-row lookups, rollups) is paid once a chunk; larger ones spread it.
COLUMNAR_CHUNK_ROWS = 50_000
FIRST_REJECTS = 20
DEFAULT_SOURCE = "file"


@dataclass(frozen=True)
class RejectedRow:
    """A row the import turned away: its number (file line for CSV/NDJSON, position for JSON) and why."""

    number: int
    errors: tuple[FieldError, ...]


@dataclass
class ImportSummary:
    """What an import did, for the CLI's summary, the web page and the API's answer."""

    run_id: int
    entity: str
    format: FileFormat
    encoding: str
    delimiter: str | None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: int = 0
    first_rejects: list[RejectedRow] = field(default_factory=list)
    rejects: str | None = None
    columnar: bool = False
    # Whether a second process read and converted the file while this one wrote it (see parallel).
    parallel: bool = False

    @property
    def rows(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.stale + self.rejected


def store_for(session: Session, store_id: int | None) -> Store:
    """Return the store to import into: the one given, or the only one there is."""
    if store_id is not None:
        store = session.get(Store, store_id)
        if store is None:
            raise UnknownStore(f"no store with id {store_id}")
        return store
    stores = session.execute(select(Store).order_by(Store.id).limit(2)).scalars().all()
    if len(stores) != 1:
        raise UnknownStore("there are no stores yet" if not stores else "there are several stores: name one")
    return stores[0]


class FileImport:
    """One import of one file; `run()` does it all, calling `on_chunk` after each chunk is written."""

    def __init__(
        self,
        *,
        session: Session,
        entity: str,
        binary: IO[bytes],
        filename: str | None,
        now: datetime,
        store_id: int | None = None,
        source: str = DEFAULT_SOURCE,
        fmt: FileFormat | None = None,
        actor: str | None = None,
        chunk_rows: int | None = None,
        columnar: bool | None = None,
        parallel: bool | None = None,
    ) -> None:
        """`columnar`: None takes the columnar path where it applies; False forces the per-row path.

        `parallel`: None prepares chunks in a second process for a large file read from a path (see
        `parallel`), True does so for any file read from a path, False never does.
        """
        if entity not in RECORDS:
            raise FileProblem(f"unknown entity {entity!r}; known: {', '.join(RECORDS)}")
        self.session = session
        self.entity = entity
        self.binary = binary
        self.filename = filename
        self.now = now
        self.store = store_for(session, store_id)
        self.source = source
        self.fmt = fmt
        self.actor = actor
        self.chunk_rows = chunk_rows
        self.columnar = columnar
        self.parallel = parallel
        self._position: int | None = None
        self._text: io.TextIOWrapper | None = None

    @property
    def bytes_read(self) -> int:
        """How far into the file the import has read, for a progress bar."""
        return self._position if self._position is not None else self.binary.tell()

    def _rows(self) -> tuple[FileFormat, str, str | None, list[str], Rows]:
        text, encoding = open_text(self.binary)
        # Kept to detach at the end: a text wrapper that is garbage-collected closes the caller's file.
        self._text = text
        sample = text.read(4096)
        text.seek(0)
        fmt = self.fmt or guess_format(self.filename, sample)
        if fmt == "csv":
            header, delimiter, rows = read_csv(text)
            known = set(RECORDS[self.entity].model_fields) | {ERROR_COLUMN}
            unknown = [name for name in header if name not in known]
            if unknown:
                raise FileProblem(
                    f"unknown columns for {self.entity}: {', '.join(unknown)}; "
                    f"the columns are: {', '.join(RECORDS[self.entity].model_fields)}"
                )
            return fmt, encoding, delimiter, header, rows
        records = DictRows(read_ndjson(text) if fmt == "ndjson" else read_json(text, self.entity))
        return fmt, encoding, None, list(RECORDS[self.entity].model_fields), records

    def run(self, on_chunk: Callable[[ImportSummary, int], None] | None = None) -> ImportSummary:
        """Import the file; a FileProblem is recorded as a failed run and raised again."""
        run = ImportRun(
            source=self.source,
            entity=self.entity,
            filename=self.filename,
            actor=self.actor,
            started_at=self.now,
            status="running",
            store_id=self.store.id,
            format=self.fmt,
        )
        self.session.add(run)
        self.session.flush()
        try:
            fmt, encoding, delimiter, header, rows = self._rows()
        except FileProblem as problem:
            if self._text is not None:
                self._text.detach()
            run.status, run.error, run.finished_at = "failed", str(problem), self.now
            self.session.flush()
            raise
        run.format = fmt
        summary = ImportSummary(
            run_id=run.id, entity=self.entity, format=fmt, encoding=encoding, delimiter=delimiter
        )
        rejects = RejectsWriter(fmt=fmt, entity=self.entity, header=header, delimiter=delimiter or ",")
        tz = ZoneInfo(self.store.timezone)
        table = converters(self.entity, tz)
        fast = self.columnar is not False and fmt in ("csv", "ndjson") and self.entity in FAST_ENTITIES
        summary.columnar = fast
        size = self.chunk_rows or (COLUMNAR_CHUNK_ROWS if fast else CHUNK_ROWS)
        try:
            with fewer_collections():
                if fast:
                    # Closed on the way out, whatever happens: a worker never outlives its import.
                    with closing(
                        self._prepared_chunks(rows, fmt, encoding, size, tz, summary)
                    ) as prepared_chunks:
                        for prepared in prepared_chunks:
                            self._position = prepared.position
                            self._write_prepared(prepared, summary, rejects)
                            self._record(run, summary)
                            if on_chunk is not None:
                                on_chunk(summary, prepared.chunk.count)
                else:
                    every = iter(rows)
                    while chunk := list(islice(every, size)):
                        self._chunk(chunk, table, summary, rejects)
                        self._record(run, summary)
                        if on_chunk is not None:
                            on_chunk(summary, len(chunk))
            summary.rejects = rejects.text() if rejects.count else None
            stored = rejects.text(MAX_STORED_CHARS) if rejects.count else None
            run.rejects = stored
            if stored is not None and summary.rejects is not None and len(stored) < len(summary.rejects):
                run.error = "the rejects kept here are cut short; the command line writes them all to a file"
        except FileProblem as problem:
            # The worker reading the file failed between chunks: what was committed stays, the run says why.
            run.status, run.error, run.finished_at = "failed", str(problem), self.now
            self._record(run, summary)
            raise
        finally:
            rejects.close()
            if self._text is not None:
                self._text.detach()
        run.status, run.finished_at = "done", self.now
        self._record(run, summary)
        return summary

    def _chunk(
        self,
        chunk: list[RawRow],
        table: TextConverters,
        summary: ImportSummary,
        rejects: RejectsWriter,
    ) -> None:
        sent: list[RawRow] = []
        records: list[dict[str, Any]] = []
        turned_away: list[tuple[RawRow, list[FieldError]]] = []
        for row in chunk:
            if row.problem is not None:
                turned_away.append((row, [FieldError("", row.problem)]))
                continue
            record, errors = convert_row(self.entity, row.values, table)
            if errors:
                turned_away.append((row, errors))
                continue
            sent.append(row)
            records.append(record)
        result = upsert_batch(
            session=self.session, store_id=self.store.id, source=self.source, batch={self.entity: records}
        )
        self._settle(sent, result, turned_away, summary, rejects)

    def _prepared_chunks(
        self, rows: Rows, fmt: FileFormat, encoding: str, size: int, tz: ZoneInfo, summary: ImportSummary
    ) -> Generator[Prepared, None, None]:
        path = file_path(self.binary)
        parallel = self.parallel
        if parallel is None:
            parallel = path is not None and big_enough(path) and usable_cores() > 1
        if not parallel or path is None:
            preparer = ChunkPreparer(self.entity, tz)
            for chunk in rows.chunks(size):
                yield preparer.prepare(chunk)
            return
        summary.parallel = True
        with ChunkWorker(
            path=path,
            encoding=encoding,
            fmt=fmt,
            entity=self.entity,
            timezone=self.store.timezone,
            size=size,
            dialect=self.session.get_bind().dialect.name,
        ) as worker:
            yield from worker

    def _write_prepared(self, prepared: Prepared, summary: ImportSummary, rejects: RejectsWriter) -> None:
        result = upsert_columns(
            session=self.session,
            store_id=self.store.id,
            source=self.source,
            entity=self.entity,
            columns=prepared.columns,
            errors=prepared.row_errors(),
            stored=prepared.stored,
        )
        for outcome, number in Counter(result.outcomes).items():
            if outcome != "rejected":
                setattr(summary, outcome, getattr(summary, outcome) + number)
        chunk = prepared.chunk
        self._reject(
            [(chunk.row(index), list(reasons)) for index, reasons in result.reasons.items()], summary, rejects
        )

    def _settle(
        self,
        sent: list[RawRow],
        result: BatchResult,
        turned_away: list[tuple[RawRow, list[FieldError]]],
        summary: ImportSummary,
        rejects: RejectsWriter,
    ) -> None:
        for row, outcome in zip(sent, result.records, strict=True):
            if outcome.outcome == "rejected":
                turned_away.append((row, list(outcome.errors)))
            else:
                setattr(summary, outcome.outcome, getattr(summary, outcome.outcome) + 1)
        self._reject(turned_away, summary, rejects)

    @staticmethod
    def _reject(
        turned_away: list[tuple[RawRow, list[FieldError]]], summary: ImportSummary, rejects: RejectsWriter
    ) -> None:
        # In file order, whichever check turned a row away.
        for row, errors in sorted(turned_away, key=lambda pair: pair[0].number):
            summary.rejected += 1
            if len(summary.first_rejects) < FIRST_REJECTS:
                summary.first_rejects.append(RejectedRow(row.number, tuple(errors)))
            rejects.add(row.values, [FieldError("", f"row {row.number}"), *errors])

    def _record(self, run: ImportRun, summary: ImportSummary) -> None:
        run.inserted, run.updated, run.unchanged = summary.inserted, summary.updated, summary.unchanged
        run.stale, run.rejected = summary.stale, summary.rejected
        self.session.flush()


__all__ = [
    "CHUNK_ROWS",
    "COLUMNAR_CHUNK_ROWS",
    "DEFAULT_SOURCE",
    "FileImport",
    "FileProblem",
    "ImportSummary",
    "RejectedRow",
    "describe",
]
