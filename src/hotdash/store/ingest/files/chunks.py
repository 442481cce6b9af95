"""Rows of a file a chunk at a time: the cells of each row as read, and each row's number and problem.

The columnar path of the importer reads whole columns of a chunk (`column`); the per-row path and the rejects
file need a row's values by field name (`row`), which is built only for the rows that need it. For a CSV
that means a list of cells per row (csv gives them so) instead of a dict per row, half the reading cost.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import IO, Any

from hotdash.store.ingest.absent import ABSENT


@dataclass(frozen=True)
class RawRow:
    """One row as read: its number (file line for CSV and NDJSON, position for JSON) and its values."""

    number: int
    values: dict[str, Any]
    problem: str | None = None


@dataclass
class CsvChunk:
    """Consecutive data rows of a CSV: each row's cells, padded with ABSENT to the header's width."""

    header: list[str]
    delimiter: str = ","
    numbers: list[int] = field(default_factory=list)
    cells: list[list[Any]] = field(default_factory=list)
    # Rows that cannot be read as cells of the header (index -> why), and the values they did have.
    problems: dict[int, str] = field(default_factory=dict)
    originals: dict[int, dict[str, Any]] = field(default_factory=dict)
    # When kept (see `lean`): the chunk's text lines, the file line of the first, each row's last line.
    lines: list[str] = field(default_factory=list)
    first_line: int = 0
    ends: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.numbers)

    @property
    def names(self) -> set[str]:
        return set(self.header)

    def column(self, name: str) -> list[Any]:
        place = self.header.index(name)
        return [cells[place] for cells in self.cells]

    def unknown_keys(self, known: frozenset[str]) -> list[int]:
        return []  # a CSV's columns are checked once, at its header

    def lean(self) -> CsvChunk:
        """The chunk without its cells, for another process: its lines are a tenth of the cost to send.

        `row` then reads a row's cells again from its lines, which gives the same cells: same text, same
        csv dialect. Only rejected rows are ever read so.
        """
        assert self.ends, "lines were not kept: read with keep_lines"
        return replace(self, cells=[])

    def row(self, index: int) -> RawRow:
        values = self.originals.get(index)
        if values is None:
            if self.cells:
                cells = self.cells[index]
            else:
                start = self.numbers[index] - self.first_line
                stop = self.ends[index] - self.first_line + 1
                cells = next(csv.reader(self.lines[start:stop], delimiter=self.delimiter))
            values = {
                name: cell for name, cell in zip(self.header, cells, strict=False) if cell is not ABSENT
            }
        return RawRow(self.numbers[index], values, self.problems.get(index))


@dataclass
class DictChunk:
    """Consecutive rows read as mappings (NDJSON, JSON)."""

    rows: list[RawRow]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def names(self) -> set[str]:
        return set().union(*(row.values for row in self.rows))

    @property
    def problems(self) -> dict[int, str]:
        return {i: row.problem for i, row in enumerate(self.rows) if row.problem is not None}

    def column(self, name: str) -> list[Any]:
        return [row.values.get(name, ABSENT) for row in self.rows]

    def unknown_keys(self, known: frozenset[str]) -> list[int]:
        return [i for i, row in enumerate(self.rows) if row.values.keys() - known]

    def row(self, index: int) -> RawRow:
        return self.rows[index]

    def lean(self) -> DictChunk:
        return self


Chunk = CsvChunk | DictChunk


def _next_size(current: int, size: int) -> int:
    # Growing by half: the worker prepares the next chunk (1.5x) in about the time the importer writes this
    # one, so after a short first wait neither waits for the other.
    return min(size, current + current // 2)


class CsvRows:
    """The data rows of a CSV text stream after its header line, by chunk or one RawRow at a time."""

    def __init__(self, text: IO[str], header: list[str], delimiter: str, header_lines: int) -> None:
        self.text = text
        self.header = header
        self.delimiter = delimiter
        # csv counts lines from where it started reading: the header's lines came before.
        self.header_lines = header_lines

    def chunks(self, size: int, first: int | None = None, *, keep_lines: bool = False) -> Iterator[Chunk]:
        """Chunks of `size` rows, the last one shorter; from `first` rows up, by half each time, if given.

        `keep_lines` keeps each chunk's text lines too, so that it can be sent `lean`.
        """
        sink: list[list[str]] = [[]]

        def recorded(text: IO[str]) -> Iterator[str]:
            for line in text:
                sink[0].append(line)
                yield line

        reader = csv.reader(recorded(self.text) if keep_lines else self.text, delimiter=self.delimiter)
        width = len(self.header)
        before = self.header_lines + 1
        previous = 0
        finished = False
        wanted = first or size
        while not finished:
            chunk = CsvChunk(self.header, self.delimiter, first_line=before + previous)
            sink[0] = chunk.lines
            numbers, rows, ends = chunk.numbers, chunk.cells, chunk.ends
            while len(rows) < wanted:
                try:
                    cells = next(reader)
                except StopIteration:
                    finished = True
                    break
                except csv.Error as error:
                    chunk.problems[len(rows)] = f"unreadable CSV: {error}"
                    chunk.originals[len(rows)] = {}
                    numbers.append(before + previous)
                    rows.append([ABSENT] * width)
                    previous = reader.line_num
                    ends.append(before + previous - 1)
                    continue
                number = before + previous
                previous = reader.line_num
                # Blank: no cell holds anything but spaces (the first cell usually settles it).
                if not (cells and cells[0].strip()) and not "".join(cells).strip():
                    continue
                if len(cells) != width:
                    if len(cells) > width:
                        chunk.problems[len(rows)] = (
                            f"has {len(cells)} values but the header has {width} columns"
                        )
                        chunk.originals[len(rows)] = dict(zip(self.header, cells, strict=False))
                        cells = cells[:width]
                    else:
                        cells.extend([ABSENT] * (width - len(cells)))  # missing trailing cells: left out
                numbers.append(number)
                rows.append(cells)
                ends.append(before + previous - 1)
            if rows:
                yield chunk
            wanted = _next_size(wanted, size)

    def __iter__(self) -> Iterator[RawRow]:
        for chunk in self.chunks(1_000):
            for index in range(chunk.count):
                yield chunk.row(index)


class DictRows:
    """Rows read one mapping at a time (NDJSON, JSON), by chunk or one RawRow at a time."""

    def __init__(self, rows: Iterator[RawRow]) -> None:
        self.rows = rows

    def chunks(self, size: int, first: int | None = None, *, keep_lines: bool = False) -> Iterator[Chunk]:
        """Chunks of `size` rows, the last one shorter; from `first` rows up, by half each time, if given."""
        wanted = first or size
        while part := list(islice(self.rows, wanted)):
            yield DictChunk(part)
            wanted = _next_size(wanted, size)

    def __iter__(self) -> Iterator[RawRow]:
        return self.rows


Rows = CsvRows | DictRows
