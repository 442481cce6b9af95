"""HTTP ways in: file imports (`/api/v1/imports`) and the event API (`/api/v1/ingest/{entity}`).

Both need the operator role or above. Imports take an API token or a browser session (with its CSRF token);
the event API is for programs and takes API tokens only. Both commit what they accepted before answering.
"""

from __future__ import annotations

import json
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.auth.deps import OptionalPrincipal, require_role
from hotdash.auth.errors import PermissionDenied
from hotdash.auth.models import Role, User
from hotdash.kernel.http.clock import now
from hotdash.kernel.http.errors import ApiError
from hotdash.kernel.http.params import RowId
from hotdash.kernel.http.services import services_of
from hotdash.kernel.http.session import DbSession
from hotdash.store.body_limit import limited_route, size_text
from hotdash.store.ingest.files.formats import FORMATS, FileFormat, FileProblem
from hotdash.store.ingest.files.service import DEFAULT_SOURCE, FileImport, ImportSummary, store_for
from hotdash.store.ingest.records import RECORDS, patch_model
from hotdash.store.ingest.results import OUTCOMES, FieldError, RecordResult, UnknownStore
from hotdash.store.ingest.schemas import FieldErrorOut, ImportOut, ImportRunOut, IngestOut, RecordResultOut
from hotdash.store.ingest.upsert import field_errors, upsert_batch
from hotdash.store.models import ImportRun

router = APIRouter(prefix="/api/v1", tags=["ingest"])

Operator = Annotated[
    User, Depends(require_role(Role.operator, "Importing data needs the operator role or higher."))
]

MAX_INGEST_BYTES = 5 * 1024 * 1024
MAX_INGEST_RECORDS = 5_000
SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$"


def unknown_entity(entity: str) -> ApiError:
    return ApiError(404, "unknown_entity", f"No entity {entity!r}. The entities are: {', '.join(RECORDS)}.")


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"The body is larger than {size_text(limit)}. Send fewer records per request, or import a file.",
        {"limit_bytes": limit},
    )


def upload_too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"The upload is larger than {size_text(limit)} (HOTDASH_IMPORT_MAX_BYTES). Split the file into "
        "smaller ones and import each.",
        {"limit_bytes": limit},
    )


def upload_limit(request: Request) -> int:
    return services_of(request.app).settings.import_max_bytes


# Bodies past these limits get a 413 as soon as they pass them (or at once, by their Content-Length), before
# FastAPI parses a form or anything is written: see hotdash.store.body_limit.
UploadRoute = limited_route(upload_limit, upload_too_large)
IngestRoute = limited_route(MAX_INGEST_BYTES, too_large)


def run_upload(
    *,
    session: Session,
    request: Request,
    entity: str,
    binary: IO[bytes],
    filename: str | None,
    source: str,
    store_id: int | None,
    fmt: FileFormat | None,
    actor: str,
) -> ImportSummary:
    """Import an uploaded file, committing after each chunk; file problems become 422s."""
    if entity not in RECORDS:
        raise unknown_entity(entity)
    try:
        job = FileImport(
            session=session,
            entity=entity,
            binary=binary,
            filename=filename,
            now=now(request),
            store_id=store_id,
            source=source,
            fmt=fmt,
            actor=actor,
        )
        return job.run(lambda _summary, _rows: session.commit())
    except FileProblem as problem:
        session.commit()  # keep the failed run on record
        raise ApiError(422, "unreadable_file", f"The file was not imported: {problem}.") from problem
    except UnknownStore as problem:
        raise ApiError(422, "unknown_store", f"{problem}; pass store_id.") from problem


def import_file(
    request: Request,
    session: DbSession,
    user: Operator,
    entity: Annotated[str, Path(description="e.g. orders; see docs/import.md")],
    file: Annotated[UploadFile, File(description="CSV, NDJSON or JSON")],
    source: Annotated[str, Form(pattern=SOURCE_PATTERN)] = DEFAULT_SOURCE,
    store_id: Annotated[RowId | None, Form()] = None,
    format: Annotated[FileFormat | None, Form(description=f"one of {', '.join(FORMATS)}")] = None,
) -> ImportOut:
    """Import the file; answer with the counts and the first rejected rows with their reasons."""
    summary = run_upload(
        session=session,
        request=request,
        entity=entity,
        binary=file.file,
        filename=file.filename,
        source=source,
        store_id=store_id,
        fmt=format,
        actor=user.email,
    )
    url = request.url_for("api_import_rejects", run_id=summary.run_id).path
    return ImportOut.of(summary, url)


router.add_api_route(
    "/imports/{entity}",
    import_file,
    methods=["POST"],
    route_class_override=UploadRoute,
    summary="Import a file of one entity",
    responses={413: {"description": "file too large"}, 422: {"description": "not a readable file"}},
)


@router.get("/imports", summary="Past imports, newest first")
def list_imports(session: DbSession) -> list[ImportRunOut]:
    """Return the latest 100 import runs with their counts."""
    runs = session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(100)).scalars()
    return [ImportRunOut.of(run) for run in runs]


def rejects_response(session: Session, run_id: int) -> Response:
    """Return the run's rejected rows as a file in the format it was imported from."""
    run = session.get(ImportRun, run_id)
    if run is None:
        raise ApiError(404, "unknown_import", f"No import run {run_id}.")
    if not run.rejects:
        raise ApiError(404, "no_rejects", f"Import run {run_id} rejected no rows.")
    fmt = run.format or "csv"
    media = {"csv": "text/csv", "ndjson": "application/x-ndjson", "json": "application/json"}[fmt]
    name = f"import-{run.id}-{run.entity}-rejects.{fmt}"
    return Response(
        run.rejects,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/imports/{run_id}/rejects", name="api_import_rejects", summary="Download an import's rejected rows"
)
def import_rejects(session: DbSession, _user: Operator, run_id: RowId) -> Response:
    """Return the rejected rows with an `_error` column: fix them and import the file again."""
    return rejects_response(session, run_id)


class IngestIn(BaseModel):
    """The event API's envelope: one source, one store, up to 5,000 records of the path's entity."""

    model_config = ConfigDict(strict=True, extra="forbid")

    source: str = Field(pattern=SOURCE_PATTERN, description="the source the external ids belong to")
    store_id: RowId | None = Field(None, description="the store; may be left out when there is only one")
    records: list[dict[str, Any]] = Field(max_length=MAX_INGEST_RECORDS)


def _json_record(entity: str, record: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate one JSON record strictly in JSON terms: timestamps are ISO 8601 strings with an offset."""
    try:
        model = patch_model(entity).model_validate_json(json.dumps(record))
    except ValidationError as invalid:
        return {}, field_errors(invalid)
    return {name: getattr(model, name) for name in model.model_fields_set}, []


async def request_body(request: Request) -> bytes:
    """Return the body; IngestRoute has refused it already if it passed MAX_INGEST_BYTES."""
    return await request.body()


def ingest(
    session: DbSession,
    user: Operator,
    principal: OptionalPrincipal,
    entity: Annotated[str, Path(description="e.g. orders; see docs/import.md")],
    body: Annotated[bytes, Depends(request_body)],
) -> IngestOut:
    """Upsert the records; 200 with each record's outcome, even when some were rejected."""
    if principal is not None and principal.web_session is not None:
        raise PermissionDenied("The event API is for programs: send an API token, not a browser session.")
    if entity not in RECORDS:
        raise unknown_entity(entity)
    try:
        envelope = IngestIn.model_validate_json(body)
    except ValidationError as invalid:
        problems = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
            for e in invalid.errors(include_url=False)
        ]
        first = problems[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(
            422,
            "validation_error",
            f"The envelope is not valid: {where}: {first['msg']}.",
            {"errors": problems},
        ) from None
    try:
        store = store_for(session, envelope.store_id)
    except UnknownStore as problem:
        raise ApiError(422, "unknown_store", f"{problem}; pass store_id.") from problem
    checked = [_json_record(entity, record) for record in envelope.records]
    sent = [i for i, (_, errors) in enumerate(checked) if not errors]
    result = upsert_batch(
        session=session,
        store_id=store.id,
        source=envelope.source,
        batch={entity: [checked[i][0] for i in sent]},
    )
    outcomes: dict[int, RecordResult] = {i: r for i, r in zip(sent, result.records, strict=True)}
    results = []
    for index, (_, errors) in enumerate(checked):
        external_id = envelope.records[index].get("external_id")
        done = outcomes.get(index)
        results.append(
            RecordResultOut(
                index=index,
                external_id=str(external_id) if isinstance(external_id, str) else None,
                outcome=done.outcome if done is not None else "rejected",
                errors=[FieldErrorOut.of(e) for e in (done.errors if done is not None else errors)],
            )
        )
    # Committed here, before the response: a 200 means the accepted records are stored.
    session.commit()
    counts = {o: sum(1 for r in results if r.outcome == o) for o in OUTCOMES}
    return IngestOut(entity=entity, source=envelope.source, store_id=store.id, counts=counts, results=results)


router.add_api_route(
    "/ingest/{entity}",
    ingest,
    methods=["POST"],
    route_class_override=IngestRoute,
    summary="Send records of one entity",
    responses={413: {"description": "body too large"}, 422: {"description": "envelope not valid"}},
)
