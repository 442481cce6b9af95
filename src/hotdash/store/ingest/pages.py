"""The imports page (`/imports`): past import runs, an upload form for operators, the rejects to download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth.deps import CurrentUser
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.pages import render_page
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.session import DbSession
from hotdash.store.ingest.api import Operator, UploadRoute, rejects_response, run_upload
from hotdash.store.ingest.files.formats import FORMATS, FileFormat
from hotdash.store.ingest.files.service import DEFAULT_SOURCE, ImportSummary
from hotdash.store.ingest.records import RECORDS
from hotdash.store.models import ImportRun, Store

router = APIRouter(include_in_schema=False)

RUNS_SHOWN = 50


def _page(
    request: Request, session: Session, *, summary: ImportSummary | None = None, error: str | None = None,
    status: int = 200, form: dict[str, Any] | None = None,
) -> HTMLResponse:  # fmt: skip
    runs = session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(RUNS_SHOWN)).scalars().all()
    stores = session.execute(select(Store.id, Store.name).order_by(Store.id)).all()
    context = {
        "runs": runs,
        "stores": stores,
        "entities": list(RECORDS),
        "formats": FORMATS,
        "summary": summary,
        "error": error,
        "form": form or {"entity": "", "source": DEFAULT_SOURCE, "store_id": "", "format": ""},
        "active": "imports",
    }
    return render_page(request, "imports.html", context, status=status)


@router.get("/imports", response_class=HTMLResponse, name="imports_page")
def imports_page(request: Request, session: DbSession, _user: CurrentUser) -> HTMLResponse:
    """List past imports; operators and above also get the upload form."""
    return _page(request, session)


def imports_upload(
    request: Request,
    session: DbSession,
    user: Operator,
    entity: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form()] = DEFAULT_SOURCE,
    store_id: Annotated[str, Form()] = "",
    format: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Import the uploaded file and show its summary (or why it could not be read)."""
    form = {"entity": entity, "source": source, "store_id": store_id, "format": format}
    fmt: FileFormat | None = format if format in FORMATS else None
    try:
        summary = run_upload(
            session=session,
            request=request,
            entity=entity,
            binary=file.file,
            filename=file.filename,
            source=source.strip() or DEFAULT_SOURCE,
            store_id=int(store_id) if store_id.strip().isdigit() else None,
            fmt=fmt,
            actor=user.email,
        )
    except ApiError as problem:
        return _page(request, session, error=problem.message, status=problem.status_code, form=form)
    return _page(request, session, summary=summary, form=form)


# The upload limit holds while the form is received, before it is parsed: a larger one is a 413 page.
router.add_api_route(
    "/imports",
    imports_upload,
    methods=["POST"],
    route_class_override=UploadRoute,
    response_class=HTMLResponse,
    name="imports_upload",
)


@router.get("/imports/{run_id}/rejects", name="import_rejects_download")
def import_rejects_download(session: DbSession, _user: Operator, run_id: RowId) -> Response:
    """Download the rows an import rejected, with an `_error` column, to fix and upload again."""
    return rejects_response(session, run_id)
