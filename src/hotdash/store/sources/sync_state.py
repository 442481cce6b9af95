"""What a source's syncs report about themselves: started, how far they got, succeeded or failed, and why.

Connectors call these in the unit of work of the page they committed, so the cursor and the data it points
past land together; the sources page and `hotdash sources list` read them back (`service.status_of`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotdash.store.sources.secrets import scrub
from hotdash.store.sources.service import get_source

ERROR_LIMIT = 2000


def record_sync_started(*, session: Session, key: str, now: datetime) -> None:
    """Note that a sync of `key` has started."""
    source = get_source(session=session, key=key)
    source.last_sync_started_at = now
    source.last_sync_status = "running"
    session.flush()


def record_sync_progress(
    *, session: Session, key: str, cursor: str | None, last_record_at: datetime | None
) -> None:
    """Store where the sync has got to; call it in the same unit of work as the page it committed."""
    source = get_source(session=session, key=key)
    source.cursor = cursor
    if last_record_at is not None and (
        source.last_record_at is None or last_record_at > source.last_record_at
    ):
        source.last_record_at = last_record_at
    session.flush()


def save_connector_state(*, session: Session, key: str, state: Mapping[str, Any]) -> None:
    """Store what a connector keeps between runs; call it in the unit of work of the page that taught it."""
    get_source(session=session, key=key).connector_state = json.dumps(state, sort_keys=True)
    session.flush()


def record_sync_succeeded(
    *,
    session: Session,
    key: str,
    now: datetime,
    cursor: str | None,
    last_record_at: datetime | None,
    summary: str | None = None,
) -> None:
    """Note a finished sync: its cursor, the newest record it saw, what it brought; clears the last error."""
    record_sync_progress(session=session, key=key, cursor=cursor, last_record_at=last_record_at)
    source = get_source(session=session, key=key)
    source.last_sync_finished_at = now
    source.last_success_at = now
    source.last_sync_status = "succeeded"
    source.last_sync_summary = summary
    source.last_error = None
    source.last_error_at = None
    session.flush()


def record_sync_failed(
    *, session: Session, key: str, now: datetime, error: str, secrets: Iterable[str] = ()
) -> str:
    """Note a failed sync with its error, every secret scrubbed out; return the text stored."""
    source = get_source(session=session, key=key)
    text = scrub(error, secrets)
    if len(text) > ERROR_LIMIT:
        text = text[: ERROR_LIMIT - 1] + "…"
    source.last_sync_finished_at = now
    source.last_sync_status = "failed"
    source.last_error = text
    source.last_error_at = now
    session.flush()
    return text
