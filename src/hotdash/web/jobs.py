"""The job queue for admins: `/admin/jobs` (jobs by state, their errors, a Retry button) and its JSON API.

The queue itself lives in `hotdash.kernel.jobs`, below auth; these routes sit in the web layer because only
admins may see and retry jobs, and roles belong to auth.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from hotdash.auth import audit
from hotdash.auth.deps import require_role
from hotdash.auth.models import Role, User
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.session import DbSession
from hotdash.kernel.jobs import queue
from hotdash.kernel.jobs.models import Job, JobState

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["jobs"])

Admin = Annotated[User, Depends(require_role(Role.admin, "Only admins see and retry background jobs."))]
StateFilter = Annotated[JobState | None, Query(description="Only jobs in this state.")]
_NOTICES = {"retried": "The job is queued again."}


class JobOut(BaseModel):
    """A job as the API shows it."""

    id: int
    kind: str
    state: str
    attempts: int
    max_attempts: int
    key: str | None
    payload: dict[str, Any]
    run_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        """Describe `job`."""
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            key=job.key,
            payload=job.payload,
            run_at=job.run_at,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            last_error=job.last_error,
        )


def _retry(session: DbSession, request: Request, admin: User, job_id: RowId) -> Job:
    job = queue.get_job(session=session, job_id=job_id)
    if job is None:
        raise ApiError(404, "unknown_job", f"There is no job with id {job_id}.")
    before = {"state": job.state, "attempts": job.attempts}
    try:
        queue.retry_job(session=session, job=job, now=now(request))
    except queue.NotRetryable as refused:
        raise ApiError(409, "not_retryable", str(refused)) from refused
    audit.record(
        session=session,
        at=now(request),
        actor=admin,
        action="job.retry",
        entity="job",
        entity_key=str(job.id),
        before=before,
        after={"state": job.state, "attempts": job.attempts},
    )
    return job


@api_router.get("/jobs", summary="List background jobs (admins)")
def list_jobs(
    session: DbSession,
    _admin: Admin,
    state: StateFilter = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[JobOut]:
    """Return the newest jobs (of `state`), newest first."""
    jobs = queue.list_jobs(session=session, state=state.value if state else None, limit=limit)
    return [JobOut.of(job) for job in jobs]


@api_router.post("/jobs/{job_id}/retry", summary="Retry a failed job (admins)")
def retry_job(job_id: RowId, request: Request, session: DbSession, admin: Admin) -> JobOut:
    """Put a failed job back in the queue, due now, with its attempts reset. Audited."""
    return JobOut.of(_retry(session, request, admin, job_id))


@router.get("/admin/jobs", response_class=HTMLResponse, name="admin_jobs")
def admin_jobs(
    request: Request, session: DbSession, _admin: Admin, state: StateFilter = None, done: str | None = None
) -> Response:
    """List jobs by state with their errors; failed ones have a Retry button."""
    context = {
        "jobs": queue.list_jobs(session=session, state=state.value if state else None),
        "counts": queue.count_by_state(session=session),
        "state": state.value if state else "",
        "notice": _NOTICES.get(done or ""),
        "active": "jobs",
    }
    return render_page(request, "admin_jobs.html", context)


@router.post("/admin/jobs/{job_id}/retry", name="admin_jobs_retry")
def admin_jobs_retry(job_id: RowId, request: Request, session: DbSession, admin: Admin) -> Response:
    """Retry one failed job from the page."""
    _retry(session, request, admin, job_id)
    return RedirectResponse(
        request.url_for("admin_jobs").path + "?state=failed&done=retried", status_code=303
    )
