"""What the import and ingest endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hotdash.store.ingest.files.service import ImportSummary
from hotdash.store.ingest.results import FieldError, Outcome
from hotdash.store.models import ImportRun


class FieldErrorOut(BaseModel):
    field: str = Field(description='the field (column) at fault; "" for the record as a whole')
    message: str

    @classmethod
    def of(cls, error: FieldError) -> FieldErrorOut:
        return cls(field=error.field, message=error.message)


class RejectedRowOut(BaseModel):
    row: int = Field(description="file line for CSV and NDJSON, position (from 1) for JSON")
    errors: list[FieldErrorOut]


class ImportOut(BaseModel):
    """The summary of one file import."""

    run_id: int
    entity: str
    format: str
    encoding: str
    delimiter: str | None
    rows: int
    inserted: int
    updated: int
    unchanged: int
    stale: int
    rejected: int
    first_rejects: list[RejectedRowOut] = Field(description="the first 20 rejected rows with their reasons")
    rejects_url: str | None = Field(description="where to download every rejected row, to fix and re-import")

    @classmethod
    def of(cls, summary: ImportSummary, rejects_url: str | None) -> ImportOut:
        return cls(
            run_id=summary.run_id,
            entity=summary.entity,
            format=summary.format,
            encoding=summary.encoding,
            delimiter=summary.delimiter,
            rows=summary.rows,
            inserted=summary.inserted,
            updated=summary.updated,
            unchanged=summary.unchanged,
            stale=summary.stale,
            rejected=summary.rejected,
            first_rejects=[
                RejectedRowOut(row=r.number, errors=[FieldErrorOut.of(e) for e in r.errors])
                for r in summary.first_rejects
            ],
            rejects_url=rejects_url if summary.rejected else None,
        )


class ImportRunOut(BaseModel):
    """One past import, as listed."""

    id: int
    entity: str
    source: str
    store_id: int | None
    filename: str | None
    format: str | None
    actor: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    inserted: int
    updated: int
    unchanged: int
    stale: int
    rejected: int
    error: str | None

    @classmethod
    def of(cls, run: ImportRun) -> ImportRunOut:
        return cls.model_validate(run, from_attributes=True)


class RecordResultOut(BaseModel):
    index: int = Field(description="the record's position in `records`, from 0")
    external_id: str | None
    outcome: Outcome
    errors: list[FieldErrorOut]


class IngestOut(BaseModel):
    """Per-record outcomes of one event API call; everything accepted is committed."""

    entity: str
    source: str
    store_id: int
    counts: dict[Outcome, int]
    results: list[RecordResultOut]
