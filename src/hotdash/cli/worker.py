"""`hotdash worker`: run the job queue and the outbox in a process of its own."""

from __future__ import annotations

import logging

from hotdash.db.cli import current_database
from hotdash.settings import get_settings
from hotdash.worker import run_worker


def worker() -> None:
    """Run queued jobs and deliver stored events until stopped (SIGTERM or Ctrl+C finishes the job first)."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s:     %(name)s - %(message)s")
    # A database that is not at the code's schema: one line saying what to run, exit 1.
    with current_database():
        pass
    run_worker(settings)
