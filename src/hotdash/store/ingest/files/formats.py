"""Open an uploaded or local file as rows: its encoding, format and delimiter found, one row at a time.

Encodings, tried in this order: a byte-order mark says UTF-8 or UTF-16; else UTF-8 if the whole file is valid
UTF-8; else Windows-1252 (what Excel writes on Western Windows) if every byte is defined there; else Latin-1.
The whole file is scanned for that, in 1 MB pieces, so a stray byte at row 900,000 cannot fail the import
halfway.
CSV and NDJSON are then read a chunk of rows at a time (see chunks), so memory stays flat; a JSON document is
read whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any, Literal

from hotdash.store.ingest.files.chunks import CsvRows, RawRow

FileFormat = Literal["csv", "ndjson", "json"]
FORMATS: tuple[FileFormat, ...] = ("csv", "ndjson", "json")
DELIMITERS = (",", ";", "\t", "|")
ERROR_COLUMN = "_error"
_PIECE = 1 << 20
_SAMPLE = 64 * 1024

# Huge cells are refused by the record checks with a reason; the csv module's own limit would end the file.
csv.field_size_limit(64 * 1024 * 1024)


class FileProblem(ValueError):
    """The file as a whole cannot be imported (empty, binary, unreadable header): nothing was written."""


def detect_encoding(binary: IO[bytes]) -> str:
    """Return the encoding to read `binary` with; it is left at its start. Refuse empty and binary files."""
    binary.seek(0)
    head = binary.read(_SAMPLE)
    binary.seek(0)
    if not head.strip():
        raise FileProblem("the file is empty")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileProblem(
            "this looks like a binary file (it contains NUL bytes), not CSV or JSON text; "
            "UTF-16 text needs a byte-order mark"
        )
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while piece := binary.read(_PIECE):
                decoder.decode(piece)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            binary.seek(0)
        return encoding
    return "latin-1"


def open_text(binary: IO[bytes]) -> tuple[io.TextIOWrapper, str]:
    """Return a text stream over `binary` in its detected encoding, and that encoding."""
    encoding = detect_encoding(binary)
    # newline="" leaves line endings to the csv module, which needs them to read quoted newlines.
    return io.TextIOWrapper(binary, encoding=encoding, newline=""), encoding


def guess_format(name: str | None, sample: str) -> FileFormat:
    """Tell the format from the file name's extension, else from how the text starts."""
    lowered = (name or "").lower()
    for suffixes, found in (
        ((".ndjson", ".jsonl"), "ndjson"),
        ((".json",), "json"),
        ((".csv", ".tsv"), "csv"),
    ):
        if lowered.endswith(suffixes):
            return found  # type: ignore[return-value]
    stripped = sample.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        # NDJSON when the first line is a whole object by itself; a pretty-printed {"orders": [...]} is not.
        try:
            first = json.loads(stripped.splitlines()[0])
        except json.JSONDecodeError:
            return "json"
        return "ndjson" if isinstance(first, dict) else "json"
    return "csv"


def sniff_delimiter(header_line: str) -> str:
    """Pick the delimiter of a CSV from its header line: the candidate that splits it most."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


def normal_column(name: str) -> str:
    """Header cells are matched loosely: case, surrounding spaces and inner spaces do not matter."""
    return "_".join(name.strip().lower().split())


def read_csv(text: IO[str]) -> tuple[list[str], str, CsvRows]:
    """Return the header, the delimiter, and the data rows of a CSV text stream."""
    first = text.readline()
    blank_lines = 0
    while first and not first.strip():
        blank_lines += 1
        first = text.readline()
    if not first:
        raise FileProblem("the file is empty")
    delimiter = sniff_delimiter(first.rstrip("\r\n"))
    header = [normal_column(cell) for cell in next(csv.reader([first], delimiter=delimiter))]
    if any(not name for name in header):
        raise FileProblem("the header has an empty column name")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileProblem(f"the header names these columns twice: {', '.join(duplicates)}")
    return header, delimiter, CsvRows(text, header, delimiter, header_lines=blank_lines + 1)


def _shown(value: Any) -> str:
    """The offending value, short, so the rejects file still shows what the row held."""
    text = value.strip() if isinstance(value, str) and value.lstrip().startswith(("{", "[")) else repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _loads(text: str) -> Any:
    # Decimal keeps 19.99 exact; a float would store 19.989999...
    return json.loads(text, parse_float=Decimal)


def read_ndjson(text: IO[str]) -> Iterator[RawRow]:
    """Yield each non-blank line of an NDJSON stream as a row."""
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = _loads(line)
        except json.JSONDecodeError as error:
            yield RawRow(number, {}, f"not valid JSON: {error.msg} at column {error.colno}: {_shown(line)}")
            continue
        if not isinstance(value, dict):
            yield RawRow(
                number, {}, f"a line must hold one JSON object, not {type(value).__name__}: {_shown(value)}"
            )
            continue
        yield RawRow(number, value)


def read_json(text: IO[str], entity: str) -> Iterator[RawRow]:
    """Yield the records of a JSON document: an array of objects, or {"<entity>": [...]}."""
    try:
        document = _loads(text.read())
    except json.JSONDecodeError as error:
        raise FileProblem(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    if isinstance(document, dict):
        if set(document) != {entity}:
            raise FileProblem(f'a JSON object must have exactly one key, "{entity}", holding the records')
        document = document[entity]
    if not isinstance(document, list):
        raise FileProblem("a JSON file must hold an array of records")
    for number, value in enumerate(document, start=1):
        if isinstance(value, dict):
            yield RawRow(number, value)
        else:
            yield RawRow(
                number, {}, f"a record must be a JSON object, not {type(value).__name__}: {_shown(value)}"
            )
