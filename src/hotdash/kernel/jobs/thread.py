"""The worker in a background thread of the web process: the embedded default runs in one command."""

from __future__ import annotations

import threading

from hotdash.kernel.jobs.worker import Worker


class WorkerThread:
    """Runs `worker.run()` in a daemon thread; `stop` finishes the job in progress."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.worker.run, name="job-worker", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Ask for work to be looked for now (after a commit that queued some)."""
        self.worker.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the job in progress."""
        self.worker.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
