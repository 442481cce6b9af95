"""Import a GA4 or Search Console CSV export into page traffic, recorded as an import run.

The generic `hotdash import page_traffic` reads HotDash's own columns; these exports have Google's (`#`
comment lines, "Landing page + query string", "Top pages", thousands separators), so they are read by the GA4
and Search Console mappers and written with `upsert_batch` like any other batch.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from sqlalchemy.orm import Session

from hotdash.store.connectors import traffic_rules as tr
from hotdash.store.connectors.ga4 import mapper as ga4
from hotdash.store.connectors.search_console import mapper as gsc
from hotdash.store.ingest.files.service import store_for
from hotdash.store.ingest.upsert import upsert_batch
from hotdash.store.models import ImportRun

AnalyticsFormat = Literal["ga4-csv", "gsc-csv"]
DEFAULT_SOURCES: dict[str, str] = {"ga4-csv": ga4.SOURCE_KIND, "gsc-csv": gsc.SOURCE_KIND}


class ExportProblem(ValueError):
    """The file is not an export of the kind named (recorded as a failed run)."""


@dataclass
class AnalyticsImport:
    """What an analytics import did."""

    run_id: int
    source: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    rejected: int = 0
    problems: list[tr.RowProblem] = field(default_factory=list)


def map_export(text: str, fmt: AnalyticsFormat, day: date | None) -> tr.TrafficBatch:
    """Return the page traffic of an export; ExportProblem when the file cannot be read as one at all."""
    try:
        return ga4.map_csv(text, day=day) if fmt == "ga4-csv" else gsc.map_csv(text, day=day)
    except (ga4.ReportError, gsc.ExportError) as problem:
        raise ExportProblem(str(problem)) from None


def import_export(
    *,
    session: Session,
    text: str,
    fmt: AnalyticsFormat,
    now: datetime,
    store_id: int | None = None,
    source: str | None = None,
    day: date | None = None,
    filename: str | None = None,
    actor: str | None = None,
) -> AnalyticsImport:
    """Map and upsert one export; flush, never commit. Rows that cannot be read are the run's rejects."""
    store = store_for(session, store_id)
    key = source or DEFAULT_SOURCES[fmt]
    run = ImportRun(
        source=key, entity="page_traffic", filename=filename, actor=actor, started_at=now,
        status="running", store_id=store.id, format="csv",
    )  # fmt: skip
    session.add(run)
    session.flush()
    try:
        mapped = map_export(text, fmt, day)
    except ExportProblem as problem:
        run.status, run.error, run.finished_at = "failed", str(problem), now
        session.flush()
        raise
    result = upsert_batch(session=session, store_id=store.id, source=key, batch=mapped.batch())
    summary = AnalyticsImport(run_id=run.id, source=key, problems=list(mapped.problems))
    for record in result.records:
        if record.outcome == "rejected":
            message = "; ".join(f"{e.field}: {e.message}" for e in record.errors)
            summary.problems.append(tr.RowProblem(line=0, message=f"{record.external_id}: {message}"))
        else:
            setattr(summary, record.outcome, getattr(summary, record.outcome) + 1)
    summary.rejected = len(summary.problems)
    run.inserted, run.updated, run.unchanged = summary.inserted, summary.updated, summary.unchanged
    run.stale, run.rejected = summary.stale, summary.rejected
    run.rejects = _rejects_csv(summary.problems) if summary.problems else None
    run.status, run.finished_at = "done", now
    session.flush()
    return summary


def _rejects_csv(problems: list[tr.RowProblem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "error"])
    for problem in problems:
        writer.writerow([problem.line or "", problem.message])
    return out.getvalue()
