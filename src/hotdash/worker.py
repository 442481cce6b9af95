"""The job worker with every context's handlers: `hotdash worker`, and the in-process thread of `serve`.

It sits above the contexts (it registers their job kinds and event subscribers) and below the app and the
CLI, which start it.
"""

from __future__ import annotations

import importlib
import logging
import signal
from types import FrameType

from sqlalchemy import Engine

from hotdash.clock import Clock, SystemClock
from hotdash.db.session import engine_from_settings, session_factory
from hotdash.detection.scheduler import jobs as detection_jobs
from hotdash.kernel.jobs.registry import Registry
from hotdash.kernel.jobs.worker import Worker, WorkerConfig
from hotdash.settings import Settings
from hotdash.store.connectors import webhook_registry
from hotdash.store.inbound.processor import PROCESS_KIND, InboundProcessor, ProcessInbound

logger = logging.getLogger("hotdash.worker")


def build_registry(settings: Settings, engine: Engine, clock: Clock) -> Registry:
    """Return the registry of every job kind and event subscriber, the same in the web app and the worker."""
    registry = Registry()
    detection_jobs.register_jobs(registry, clock)
    if settings.inbound_processor:
        webhooks = webhook_registry(settings, session_factory(engine))
        processor = InboundProcessor(engine, webhooks, clock)
        registry.every(PROCESS_KIND, ProcessInbound(processor, clock))
    for name in filter(None, (part.strip() for part in settings.jobs_modules.split(","))):
        # Extensions (and the tests' counting handlers) add kinds by naming a module in HOTDASH_JOBS_MODULES.
        module = importlib.import_module(name)
        module.register_jobs(registry)
    return registry


def make_worker(settings: Settings, engine: Engine, clock: Clock | None = None) -> Worker:
    """Return a worker on `engine` with the settings' lease, poll and retry timings."""
    clock = clock or SystemClock()
    return Worker(
        engine, build_registry(settings, engine, clock), clock, config=WorkerConfig.from_settings(settings)
    )


def run_worker(settings: Settings) -> None:
    """Run jobs until SIGTERM or SIGINT; the job in progress is finished before the process exits."""
    engine = engine_from_settings(settings)
    worker = make_worker(settings, engine)

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s: stopping after the job in progress", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    finally:
        engine.dispose()
