"""The store's HTTP API: a thin layer over hotdash.store.service."""

from __future__ import annotations

from fastapi import APIRouter

from hotdash.kernel.http.session import DbSession
from hotdash.store import service
from hotdash.store.schemas import DatasetSummaryOut

router = APIRouter(prefix="/api/v1", tags=["store"])


@router.get("/info", summary="What is loaded")
def info(session: DbSession) -> DatasetSummaryOut:
    """Return row counts per entity, the stores, the date range of the data and the schema revision."""
    return DatasetSummaryOut.from_summary(service.dataset_summary(session=session))
