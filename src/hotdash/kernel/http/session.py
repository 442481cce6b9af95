"""The request's unit of work, as the `DbSession` dependency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from hotdash.db.session import unit_of_work, writer_unit_of_work
from hotdash.kernel.http.services import services_of

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_session(request: Request) -> Iterator[Session]:
    """Yield the request's unit of work: committed if the handler succeeds, rolled back if it raises."""
    factory = services_of(request.app).session_factory
    # A request that may change data writes while webhooks and detection write too: on SQLite it takes the
    # write lock at BEGIN, so it waits its turn instead of failing with "database is locked" half-way.
    begin = unit_of_work if request.method in READ_ONLY_METHODS else writer_unit_of_work
    with begin(factory) as session:
        yield session


# scope="function" ends the unit of work before the response is sent: a commit that fails becomes an error
# response instead of a 200 for a change that was never saved.
DbSession = Annotated[Session, Depends(request_session, scope="function")]
