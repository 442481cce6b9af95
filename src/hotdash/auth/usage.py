"""When sessions and API tokens were last used, written at most once a minute each and never by a reader.

A dashboard refreshes every minute from several tabs and users. If each GET that found a session's last use
a minute old wrote it inside its own read transaction, SQLite would refuse every such upgrade made after
another connection's commit ("database is locked", at once, whatever busy_timeout says). So resolving a
session or token only reads; this recorder then writes the use in a short transaction of its own that waits
its turn for the write lock, and only one request per session or token in each interval does so: twenty
requests arriving together after a minute idle write once, not twenty times.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from hotdash.auth import service
from hotdash.auth.models import ApiToken, WebSession
from hotdash.db.session import unit_of_work

logger = logging.getLogger(__name__)

_Change = Callable[[Session], None]

# Claims older than this are forgotten when the map grows past _PRUNE_AT: they can no longer hold anyone back.
_PRUNE_AT = 10_000


class UsageRecorder:
    """Coalesce the writes of sessions' and tokens' last use: one per item and interval, outside readers."""

    def __init__(self, writing_factory: sessionmaker[Session]) -> None:
        # The factory must begin its transactions with the write lock (`writing_session_factory`).
        self._factory = writing_factory
        self._lock = threading.Lock()
        self._claimed: dict[tuple[str, int], datetime] = {}

    def session_used(self, web_session: WebSession, now: datetime, *, within: Session | None) -> None:
        """Record a browser session's use at `now` if it is due; `within` is the request's writing session."""
        if not service.session_use_due(web_session, now) or not self._claim(("session", web_session.id), now):
            return
        session_id, created_at = web_session.id, web_session.created_at
        self._write(
            ("session", session_id),
            within,
            lambda s: service.touch_session(session=s, session_id=session_id, created_at=created_at, now=now),
        )

    def token_used(self, api_token: ApiToken, now: datetime, *, within: Session | None) -> None:
        """Record an API token's use at `now` if it is due; `within` is the request's writing session."""
        if not service.token_use_due(api_token, now) or not self._claim(("token", api_token.id), now):
            return
        token_id = api_token.id
        self._write(
            ("token", token_id), within, lambda s: service.touch_token(session=s, token_id=token_id, now=now)
        )

    def _claim(self, key: tuple[str, int], now: datetime) -> bool:
        with self._lock:
            claimed = self._claimed.get(key)
            if claimed is not None and now - claimed < service.TOUCH_INTERVAL:
                return False
            if len(self._claimed) >= _PRUNE_AT:
                self._claimed = {
                    k: at for k, at in self._claimed.items() if now - at < service.TOUCH_INTERVAL
                }
            self._claimed[key] = now
            return True

    def _write(self, key: tuple[str, int], within: Session | None, change: _Change) -> None:
        if within is not None:
            # A request that may write already holds the write lock (BEGIN IMMEDIATE on SQLite): a second
            # connection would wait for it until busy_timeout ran out. Its own transaction carries the use.
            change(within)
            return
        try:
            with unit_of_work(self._factory) as session:
                change(session)
        except Exception:
            # A last-use stamp is bookkeeping: the request goes on, and the next one tries again.
            with self._lock:
                self._claimed.pop(key, None)
            logger.exception("could not record the last use of a %s", key[0])
