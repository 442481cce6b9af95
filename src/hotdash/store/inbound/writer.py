"""Group commit: concurrent requests hand their deliveries to one writer thread that commits them together.

A webhook may be acknowledged only once it is committed. Committing each request on its own costs one
transaction (and, on SQLite, one WAL sync) per delivery; here every delivery that arrives while the previous
commit runs joins the next one, so the cost is shared and throughput grows with the load while each request
still waits for its own row to be durable. A redelivery (same source and delivery id) is skipped by the
database's unique key and reported as a duplicate, never stored twice.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import Engine, Table

from hotdash.db.dialects import insert_new
from hotdash.kernel.jobs.queue import wake_recurring
from hotdash.store.inbound.delivery import Delivery
from hotdash.store.inbound.processor import PROCESS_KIND
from hotdash.store.models.ingest import InboundEvent

logger = logging.getLogger(__name__)

_TABLE: Table = InboundEvent.__table__  # type: ignore[assignment]


@dataclass
class _Pending:
    delivery: Delivery
    future: Future[bool] = field(default_factory=Future)


class GroupCommitWriter:
    """Store deliveries durably in `inbound_events`; `max_batch=1` commits each delivery alone (the baseline).

    `submit` returns a future that resolves to True (stored now) or False (already stored: a redelivery) once
    the transaction holding the row has committed, or raises if it could not be committed.
    """

    def __init__(self, engine: Engine, *, max_batch: int = 1000) -> None:
        self._engine = engine
        self._max_batch = max(1, max_batch)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self.commits = 0

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener` (from the writer thread) after each commit that stored new deliveries."""
        self._listeners.append(listener)

    def start(self) -> None:
        """Start the writer thread (done by the first `submit` too)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="inbound-writer", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what was handed over, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def submit(self, delivery: Delivery) -> Future[bool]:
        """Hand `delivery` to the writer; the future resolves once it is committed."""
        if self._thread is None:
            self.start()
        pending = _Pending(delivery)
        self._queue.put(pending)
        return pending.future

    async def store(self, delivery: Delivery) -> bool:
        """Wait (without blocking the event loop) until `delivery` is committed; False for a redelivery."""
        return await asyncio.wrap_future(self.submit(delivery))

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Pending]) -> None:
        rows: dict[tuple[str, str], dict[str, object]] = {}
        for pending in batch:
            key = (pending.delivery.source, pending.delivery.delivery_id)
            rows.setdefault(key, pending.delivery.row())
        try:
            with self._engine.begin() as connection:
                stored_keys = insert_new(
                    connection, _TABLE, list(rows.values()), key=("source", "delivery_id")
                )
                if stored_keys:
                    # In the same commit: whichever worker runs the mapping job sees it due at once.
                    wake_recurring(connection=connection, key=PROCESS_KIND)
        except Exception as error:
            # Nothing of this batch is committed: every waiting request answers 503 and the sender retries.
            logger.exception("could not commit %d inbound deliveries", len(batch))
            for pending in batch:
                pending.future.set_exception(error)
            return
        self.commits += 1
        answered: set[tuple[str, str]] = set()
        for pending in batch:
            key = (pending.delivery.source, pending.delivery.delivery_id)
            # Of two copies in one batch, the first is the one stored.
            pending.future.set_result(key in stored_keys and key not in answered)
            answered.add(key)
        if stored_keys:
            for listener in self._listeners:
                try:
                    listener()
                except Exception:  # a listener's bug must not stop acknowledgements
                    logger.exception("inbound commit listener failed")
