"""What the ingest core tells the rest of the app after a batch: which records it inserted or updated."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotdash.events import RecordsUpserted, publish_after_commit
from hotdash.store.ingest.results import BatchResult


def publish_upserted(*, session: Session, store_id: int, source: str, result: BatchResult) -> None:
    """Publish one RecordsUpserted per entity with written records, delivered when the batch commits."""
    written: dict[str, list[str]] = {}
    for record in result.records:
        if record.outcome in ("inserted", "updated") and record.external_id is not None:
            written.setdefault(record.entity, []).append(record.external_id)
    for entity, external_ids in written.items():
        publish_after_commit(session, RecordsUpserted(store_id, source, entity, tuple(external_ids)))
