"""The web application: `create_app(settings)` builds it; importing this module builds nothing."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import select

from hotdash import __version__
from hotdash.auth import api as auth_api
from hotdash.auth import pages as auth_pages
from hotdash.auth.deps import current_user
from hotdash.auth.throttle import LoginThrottle
from hotdash.auth.usage import UsageRecorder
from hotdash.clock import Clock, SystemClock
from hotdash.db import migrate
from hotdash.db.session import engine_from_settings, session_factory, unit_of_work, writing_session_factory
from hotdash.detection import api as detection_api
from hotdash.detection.defaults import install_defaults
from hotdash.detection.models import Rule
from hotdash.detection.pages import detections as detection_pages
from hotdash.detection.pages import rules as rule_pages
from hotdash.detection.scheduler.jobs import DetectionRunner
from hotdash.detection.tilemap import open_counts_by_tile
from hotdash.events import RecordsUpserted, bus
from hotdash.kernel.http.errors import ErrorResponse
from hotdash.kernel.http.pages import STATIC_DIR, make_templates
from hotdash.kernel.http.schema import require_current_schema
from hotdash.kernel.http.services import Services, install_services, services_of
from hotdash.kernel.jobs.thread import WorkerThread
from hotdash.settings import Settings, get_settings
from hotdash.store import api as store_api
from hotdash.store import pages
from hotdash.store.connectors import webhook_registry
from hotdash.store.inbound import api as inbound_api
from hotdash.store.inbound.processor import InboundProcessor
from hotdash.store.inbound.runtime import InboundRuntime
from hotdash.store.inbound.writer import GroupCommitWriter
from hotdash.store.ingest import api as ingest_api
from hotdash.store.ingest import pages as imports
from hotdash.store.sources import api as sources_api
from hotdash.store.sources import pages as sources_pages
from hotdash.store.sources.api import LazySecretBox
from hotdash.tiles import api as tiles_api
from hotdash.tiles import thresholds_api
from hotdash.tiles.pages import dashboard, formatting, records
from hotdash.tiles.pages.dashboard import OpenDetections
from hotdash.web import docs
from hotdash.web import jobs as jobs_pages
from hotdash.web.body_limits import DefaultBodyLimit
from hotdash.web.errors import install_error_handlers
from hotdash.web.headers import SecurityHeaders
from hotdash.worker import make_worker

logger = logging.getLogger(__name__)
health_router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The server runs, its database answers and is at the schema revision the code expects."""

    status: str
    schema_revision: str
    head_revision: str


@health_router.get(
    "/healthz",
    summary="Liveness and readiness",
    responses={503: {"model": ErrorResponse, "description": "database unreachable or schema not current"}},
)
def healthz(request: Request) -> Health:
    """Return 200 when the database is reachable and at the head revision, else 503 saying which."""
    # The guard raises the 503; reaching this line means both checks passed.
    require_current_schema(request)
    head = services_of(request.app).head_revision
    return Health(status="ok", schema_revision=head, head_revision=head)


def freeze_startup_heap() -> None:
    """Move every object alive now (modules, classes, functions: ~170k) out of the collector's sight.

    A full collection walks all of them, ~40-70 ms on a shared core, and lands in the middle of a request
    every few dashboards: it alone put the tiles' p95 at ~200 ms against a ~110 ms median (bench/tiles.py).
    Objects made after startup are collected as before. A frozen object that dies is still freed by its
    reference count; only one caught in a reference cycle waits for the unfreeze at shutdown.
    """
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    freeze_startup_heap()
    services = services_of(app)
    runner, inbound = services.get(DetectionRunner), services.get(InboundRuntime)
    # Detection hears about ingested records through the bus; the store never imports detection. It listens
    # before the processor starts, so deliveries mapped at startup are evaluated too.
    unsubscribe = bus.subscribe(RecordsUpserted, runner.on_records_upserted)
    if runner.background:
        start_detection(runner)
    inbound.writer.start()
    job_thread = services.components.get(WorkerThread)
    if isinstance(job_thread, WorkerThread):
        job_thread.start()
    try:
        yield
    finally:
        # Commit what was handed over before acknowledging stops, then let the processor finish its batch.
        inbound.writer.stop()
        if isinstance(job_thread, WorkerThread):
            job_thread.stop()
        unsubscribe()
        runner.stop()
        gc.unfreeze()  # an app started and stopped in a longer process (tests) leaves nothing uncollectable
    # Close pooled connections so a SQLite file is not held open after the server stops.
    services.engine.dispose()


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the HotDash web application for `settings` (the process settings by default) on `clock`."""
    settings = settings or get_settings()
    clock = clock or SystemClock()
    app = FastAPI(
        title="HotDash",
        version=__version__,
        description="The operations control center for online stores.",
        lifespan=_lifespan,
        # FastAPI's own doc pages load Swagger UI and ReDoc from a CDN; `docs.router` serves Swagger UI from
        # the vendored copy instead, and ReDoc is not offered.
        docs_url=None,
        redoc_url=None,
        # FastAPI's own /openapi.json route cannot require signing in; `docs.router` serves the schema.
        openapi_url=None,
    )

    engine = engine_from_settings(settings)
    factory = session_factory(engine)
    # Webhooks: a group-commit writer stores deliveries before they are acknowledged; the job
    # `inbound.process`, made due by each commit, maps them into the model (`hotdash ingest process` does the
    # same from the CLI; the processor here serves that and the tests).
    registry = webhook_registry(settings, factory)
    inbound = InboundRuntime(
        registry=registry,
        writer=GroupCommitWriter(engine, max_batch=settings.inbound_batch_max),
        processor=InboundProcessor(engine, registry, clock),
    )
    components: list[object] = [
        LoginThrottle(),
        UsageRecorder(writing_session_factory(engine)),
        OpenDetections(lambda session: open_counts_by_tile(session=session)),
        LazySecretBox(settings),
        inbound,
        DetectionRunner(factory, clock, background=bool(settings.detection_scheduler)),
    ]
    # The job queue's worker, in this process when asked (`hotdash serve` on SQLite); else `hotdash worker`.
    if settings.jobs_in_process:
        job_thread = WorkerThread(make_worker(settings, engine, clock))
        # The writer's commit makes the mapping job due; waking the worker runs it without waiting a poll.
        inbound.writer.on_commit(job_thread.wake)
        components.append(job_thread)
    install_services(
        app,
        Services(
            settings=settings,
            engine=engine,
            session_factory=factory,
            clock=clock,
            templates=make_templates([formatting.register]),
            head_revision=migrate.head_revision(),
            components={type(component): component for component in components},
        ),
    )

    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(DefaultBodyLimit, limit=settings.request_max_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Everything that reads the model needs the schema at head; a 503 that says "run hotdash db upgrade"
    # beats a 500 from a missing table.
    needs_schema: list[Any] = [Depends(require_current_schema)]
    # Every route but the sign-in page, the health check and static files needs a signed-in user (and a
    # CSRF token for changes made with the session cookie); tests/web/test_auth_routes.py checks each route.
    signed_in: list[Any] = [*needs_schema, Depends(current_user)]
    app.include_router(health_router)
    # Webhooks authenticate by their signature, not by a sign-in; a missing table makes the writer fail,
    # which answers 503 (send again) without the per-request schema check.
    app.include_router(inbound_api.router_for(registry))
    app.include_router(auth_pages.public_router, dependencies=needs_schema)
    app.include_router(docs.router, dependencies=signed_in)
    app.include_router(store_api.router, dependencies=signed_in)
    app.include_router(pages.router, dependencies=signed_in)
    app.include_router(dashboard.router, dependencies=signed_in)
    app.include_router(records.router, dependencies=signed_in)
    app.include_router(auth_api.router, dependencies=signed_in)
    app.include_router(auth_pages.router, dependencies=signed_in)
    app.include_router(tiles_api.router, dependencies=signed_in)
    app.include_router(thresholds_api.router, dependencies=signed_in)
    app.include_router(thresholds_api.pages_router, dependencies=signed_in)
    app.include_router(sources_api.router, dependencies=signed_in)
    app.include_router(sources_pages.router, dependencies=signed_in)
    app.include_router(detection_api.rules_router, dependencies=signed_in)
    app.include_router(detection_api.detections_router, dependencies=signed_in)
    app.include_router(ingest_api.router, dependencies=signed_in)
    app.include_router(imports.router, dependencies=signed_in)
    app.include_router(detection_pages.router, dependencies=signed_in)
    app.include_router(rule_pages.router, dependencies=signed_in)
    app.include_router(jobs_pages.router, dependencies=signed_in)
    app.include_router(jobs_pages.api_router, dependencies=signed_in)
    return app


def start_detection(runner: DetectionRunner) -> None:
    """Install the default rules on a database that has none, then start the detection threads."""
    try:
        with unit_of_work(runner.factory) as session:
            if session.scalar(select(Rule.id).limit(1)) is None:
                added = install_defaults(session=session, now=runner.clock.now())
                logger.info("installed %d default detection rules", len(added))
    except Exception:
        # A database that is not migrated yet: the scheduler still starts, and its errors say why.
        logger.exception("could not install the default detection rules")
    runner.start()
