"""Generate the demo store into a database."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, inspect, select

from hotdash.clock import Clock
from hotdash.db import migrate
from hotdash.db.base import Base
from hotdash.db.dialects import reset_id_sequence
from hotdash.store import models as _models  # noqa: F401 - registers the store tables
from hotdash.store.bulk import bulk_insert
from hotdash.store.demo.dataset import SOURCE, DemoData, Scenarios
from hotdash.store.demo.generator import SIZES, generate
from hotdash.store.rollups import refresh_all_rollups

Progress = Callable[[str, int], None]


class DemoRefusedError(Exception):
    """The database holds data that did not come from the demo generator; it will not be overwritten."""


@dataclass
class DemoReport:
    """What was generated and how fast."""

    size: str
    seed: int
    now: datetime
    rows: dict[str, int] = field(default_factory=dict)
    generate_seconds: float = 0.0
    load_seconds: float = 0.0
    scenarios: Scenarios = field(default_factory=Scenarios)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.load_seconds if self.load_seconds else 0.0


def foreign_data_tables(engine: Engine) -> list[str]:
    """Return the tables that hold rows from a source other than the demo."""
    existing = set(inspect(engine).get_table_names())
    found: list[str] = []
    with engine.connect() as connection:
        # By name, not `sorted_tables`: sorting by foreign key needs every referred table registered, and a
        # process that imported the kernel's tunables but not auth has threshold_overrides without users.
        for table in (Base.metadata.tables[name] for name in sorted(Base.metadata.tables)):
            if table.name in existing and "source" in table.c:
                row = connection.execute(select(table.c.id).where(table.c.source != SOURCE).limit(1)).first()
                if row is not None:
                    found.append(table.name)
    return found


def reset_schema(engine: Engine) -> None:
    """Drop every table through the migrations and build them again: far faster than deleting rows."""
    if migrate.current_revision(engine) is not None:
        migrate.downgrade(engine, "base")
    migrate.upgrade(engine)


def load(engine: Engine, data: DemoData, progress: Progress | None = None) -> dict[str, int]:
    """Write the generated tables in one transaction; return rows written per table."""
    written: dict[str, int] = {}
    tables = Base.metadata.tables
    with engine.begin() as connection:
        for name in data.order:
            table = tables[name]
            if name in data.rows:
                connection.execute(table.insert(), data.rows[name])
                reset_id_sequence(connection, table)
                written[name] = len(data.rows[name])
                if progress is not None:
                    progress(name, written[name])
            else:
                on_chunk = (lambda n, _name=name: progress(_name, n)) if progress is not None else None
                written[name] = bulk_insert(connection, table, data.columns[name], on_chunk=on_chunk)
        refresh_all_rollups(connection)
    return written


def generate_demo(
    *,
    engine: Engine,
    clock: Clock,
    size: str = "small",
    seed: int = 7,
    force: bool = False,
    progress: Progress | None = None,
    on_generated: Callable[[DemoData], None] | None = None,
) -> DemoReport:
    """Replace the database's contents with a freshly generated demo store ending at the clock's now."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    foreign = foreign_data_tables(engine)
    if foreign and not force:
        raise DemoRefusedError(
            "the database holds imported data (in " + ", ".join(foreign) + "); the demo would erase it. "
            "Point HOTDASH_DATABASE_URL at another database, or pass --force to erase it."
        )
    now = clock.now().replace(microsecond=0)
    started = time.perf_counter()
    data = generate(SIZES[size], seed, now)
    generated = time.perf_counter()
    if on_generated is not None:
        on_generated(data)
    reset_schema(engine)
    loading = time.perf_counter()
    rows = load(engine, data, progress)
    done = time.perf_counter()
    return DemoReport(
        size=size,
        seed=seed,
        now=now,
        rows=rows,
        generate_seconds=generated - started,
        load_seconds=done - loading,
        scenarios=data.scenarios,
    )
