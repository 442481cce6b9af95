"""`hotdash jobs`: list the queue, show a job, retry failed jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from hotdash.clock import SystemClock
from hotdash.db.cli import current_database
from hotdash.db.session import session_factory, writer_unit_of_work
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job, JobState

app = typer.Typer(help="The job queue: list jobs, show one, retry failed ones.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def _session() -> Iterator[Session]:
    """Open a writing unit of work on a current database; else say in one line what to run, exit 1."""
    with current_database() as engine, writer_unit_of_work(session_factory(engine)) as session:
        yield session


def _when(job: Job) -> str:
    return job.run_at.strftime("%Y-%m-%d %H:%M:%S")


def first_line(text: str | None, width: int = 80) -> str:
    """Return the first line of `text`, shortened to `width` characters."""
    line = (text or "").splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 1] + "…"


@app.command("list")
def list_command(
    state: Annotated[
        JobState | None, typer.Option(help="Only jobs in this state: queued, running, done or failed.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many of the newest jobs.")] = 50,
) -> None:
    """List the newest jobs with their state, attempts, next run (UTC) and last error."""
    with _session() as session:
        counts = queue.count_by_state(session=session)
        jobs = queue.list_jobs(session=session, state=state.value if state else None, limit=limit)
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        console.print(f"Jobs: {summary}", markup=False)
        if not jobs:
            console.print("No jobs" + (f" {state.value}." if state else "."), markup=False)
            return
        table = Table()
        for heading in ("id", "kind", "state", "attempts", "run at (UTC)", "last error"):
            table.add_column(heading, overflow="fold")
        for job in jobs:
            table.add_row(
                str(job.id),
                job.kind,
                job.state,
                f"{job.attempts}/{job.max_attempts}",
                _when(job),
                first_line(job.last_error),
            )
        console.print(table)


@app.command()
def show(job_id: Annotated[int, typer.Argument(help="The job's id (see `hotdash jobs list`).")]) -> None:
    """Show one job: its kind, state, payload, times and whole last error."""
    with _session() as session:
        job = queue.get_job(session=session, job_id=job_id)
        if job is None:
            err_console.print(f"There is no job with id {job_id}.", markup=False)
            raise typer.Exit(1)
        for label, value in (
            ("Job", str(job.id)),
            ("Kind", job.kind),
            ("State", job.state),
            ("Attempts", f"{job.attempts} of {job.max_attempts}"),
            ("Key", job.key or "-"),
            ("Payload", _json(job.payload)),
            ("Created", str(job.created_at)),
            ("Run at", str(job.run_at)),
            ("Started", str(job.started_at or "-")),
            ("Finished", str(job.finished_at or "-")),
            ("Lease", f"{job.lease_owner} until {job.lease_expires_at}" if job.lease_owner else "-"),
            ("Last error", job.last_error or "-"),
        ):
            console.print(f"{label}: {value}", markup=False)


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True)


@app.command()
def retry(
    job_id: Annotated[int | None, typer.Argument(help="The failed job to run again.")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Retry every failed job.")] = False,
) -> None:
    """Put a failed job (or all of them) back in the queue, due now, with its attempts reset."""
    if (job_id is None) == (not all_failed):
        err_console.print("Give a job id or --all-failed (one of the two).", markup=False)
        raise typer.Exit(2)
    now = SystemClock().now()
    with _session() as session:
        if all_failed:
            count = queue.retry_all_failed(session=session, now=now)
            console.print(f"Retrying {count} failed job{'s' if count != 1 else ''}.", markup=False)
            return
        assert job_id is not None
        job = queue.get_job(session=session, job_id=job_id)
        if job is None:
            err_console.print(f"There is no job with id {job_id}.", markup=False)
            raise typer.Exit(1)
        try:
            queue.retry_job(session=session, job=job, now=now)
        except queue.NotRetryable as refused:
            err_console.print(str(refused), markup=False)
            raise typer.Exit(1) from refused
        console.print(f"Job {job.id} ({job.kind}) is queued again.", markup=False)
