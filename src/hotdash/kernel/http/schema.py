"""The schema guard: a 503 that says what to run beats a 500 from a missing table."""

from __future__ import annotations

import logging

from fastapi import Request
from sqlalchemy.exc import DBAPIError

from hotdash.db import migrate
from hotdash.kernel.http.errors import DatabaseUnavailable, SchemaNotReady
from hotdash.kernel.http.services import services_of

logger = logging.getLogger(__name__)


def schema_revision(request: Request) -> str | None:
    """Return the database's schema revision, or raise DatabaseUnavailable if it cannot be reached."""
    try:
        return migrate.current_revision(services_of(request.app).engine)
    except DBAPIError as exc:
        # Log the driver's text (host, reason) for the operator; the client only learns it is unreachable.
        logger.warning("database unreachable: %s", exc)
        raise DatabaseUnavailable() from exc


def require_current_schema(request: Request) -> None:
    """Refuse with a 503 that says what to run when the database is not at the code's schema revision."""
    # Checked on every request, not once at start-up: `hotdash db downgrade` can run while the server does,
    # and reading one row of alembic_version costs far less than the page it protects.
    current = schema_revision(request)
    head = services_of(request.app).head_revision
    if current != head:
        raise SchemaNotReady(current, head)
