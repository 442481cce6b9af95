"""The rejects file: the rows an import turned away, in the file's own format, each with its reasons.

A user fixes the rows and imports the file again: the importer ignores the `_error` column (or key), and the
rows that did land the first time are unchanged by a second import anyway.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hotdash.store.ingest.files.formats import ERROR_COLUMN, FileFormat
from hotdash.store.ingest.results import FieldError

# Rejects kept in the import run for the web page to offer; the CLI's rejects file always has them all.
MAX_STORED_CHARS = 5_000_000


def describe(errors: Sequence[FieldError]) -> str:
    """Join a row's reasons into one line: `column: reason; column: reason`."""
    return "; ".join(f"{e.field}: {e.message}" if e.field else e.message for e in errors)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__}")


class RejectsWriter:
    """Collect rejected rows into a spooled temporary file (memory first, disk when it grows)."""

    def __init__(self, *, fmt: FileFormat, entity: str, header: Sequence[str], delimiter: str) -> None:
        self.fmt = fmt
        self.entity = entity
        self.count = 0
        # Closed in close(): the writer outlives any one block.
        self._buffer = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=8 << 20, mode="w+", encoding="utf-8", newline=""
        )
        self._columns = [name for name in header if name != ERROR_COLUMN] + [ERROR_COLUMN]
        self._csv = csv.writer(self._buffer, delimiter=delimiter) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writerow(self._columns)
        elif fmt == "json":
            self._buffer.write(f'{{"{entity}": [\n')

    def add(self, values: dict[str, Any], errors: Sequence[FieldError]) -> None:
        reason = describe(errors)
        if self._csv is not None:
            self._csv.writerow([values.get(name, "") for name in self._columns[:-1]] + [reason])
        else:
            line = json.dumps({**values, ERROR_COLUMN: reason}, default=_plain, ensure_ascii=False)
            separator = ",\n" if self.fmt == "json" and self.count else ""
            self._buffer.write(separator + line + ("\n" if self.fmt == "ndjson" else ""))
        self.count += 1

    def text(self, limit: int | None = None) -> str:
        """Return the rejects file's content (at most `limit` characters, cut at a row boundary)."""
        self._buffer.seek(0)
        body = self._buffer.read()
        self._buffer.seek(0, io.SEEK_END)
        if self.fmt == "json":
            body += "\n]}\n"
        if limit is not None and len(body) > limit:
            cut = body.rfind("\n", 0, limit)
            body = body[: max(cut, 0) + 1]
            if self.fmt == "json":
                body = body.rstrip().rstrip(",") + "\n]}\n"
        return body

    def close(self) -> None:
        self._buffer.close()
