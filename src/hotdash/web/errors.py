"""One error shape for the whole HTTP surface: `{"error": {"code", "message", "details"}}`.

API clients (and webhook senders) always get that JSON. A person on a page gets the same message as an HTML
page when the database is not ready, their role does not allow something or their upload is too large,
because a JSON blob in a browser tab tells them nothing they can act on; and a page that needs signing in
sends them to the sign-in page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from hotdash.auth.errors import ApiError, NotAuthenticated

logger = logging.getLogger(__name__)

# Paths whose callers are programs: they always get JSON, even for errors that pages render as HTML.
_MACHINE_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/docs", "/redoc", "/openapi.json", "/static/")


class ErrorDetail(BaseModel):
    """What went wrong, for a program (`code`) and for a person (`message`)."""

    code: str = Field(description="stable, snake_case identifier of the kind of error")
    message: str = Field(description="what happened and what to do about it")
    details: dict[str, Any] = Field(default_factory=dict, description="structured specifics, if any")


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class ServiceUnavailable(Exception):
    """The app runs but cannot serve data yet; always a 503 with a message that says how to fix it."""

    code = "service_unavailable"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class SchemaNotReady(ServiceUnavailable):
    """The database was never migrated, or is at another revision than this code expects."""

    def __init__(self, current: str | None, head: str) -> None:
        if current is None:
            self.code = "schema_not_migrated"
            message = (
                "The database has not been set up yet. Run `hotdash db upgrade` to create the tables "
                "(`hotdash serve` does this on start)."
            )
        else:
            self.code = "schema_out_of_date"
            message = (
                f"The database schema is at revision {current}, but this version of HotDash needs {head}. "
                "Run `hotdash db upgrade`."
            )
        super().__init__(message, {"current_revision": current, "head_revision": head})


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached at all."""

    code = "database_unavailable"

    def __init__(self) -> None:
        super().__init__(
            "The database cannot be reached. Check HOTDASH_DATABASE_URL and that the database server "
            "is running."
        )


class PageError(Exception):
    """A page that cannot be shown as asked (unknown tile, record or window): an HTML page that says why."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, **kwargs: Any
) -> JSONResponse:
    """Return a JSON response in the one error shape."""
    body = ErrorResponse(error=ErrorDetail(code=code, message=message, details=details or {}))
    return JSONResponse(jsonable_encoder(body), status_code=status, **kwargs)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(_MACHINE_PREFIXES)


# API errors a person on a page gets as an HTML page with the same message (e.g. an upload past the limit).
_PAGE_TITLES = {403: "Not allowed", 413: "Too large"}


def _code_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "http_error"


def _sign_in_redirect(request: Request) -> Response:
    # Back to where the person was going after signing in; the sign-in page accepts only local paths.
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    current = request.headers.get("HX-Current-URL")
    if request.headers.get("HX-Request") and current:
        # An htmx fragment request: the page it came from is where to return, not the fragment.
        parts = urlsplit(current)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    location = request.url_for("login").path + "?" + urlencode({"next": target})
    if request.headers.get("HX-Request"):
        # Following a redirect, htmx would swap the whole sign-in page into a block of the page instead.
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        if _wants_html(request) and isinstance(exc, NotAuthenticated):
            return _sign_in_redirect(request)
        if _wants_html(request) and exc.status_code in _PAGE_TITLES:
            templates: Jinja2Templates = request.app.state.templates
            return templates.TemplateResponse(
                request,
                "error.html",
                {"title": _PAGE_TITLES[exc.status_code], "message": exc.message, "code": exc.code},
                status_code=exc.status_code,
            )
        return error_response(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)
    message = str(exc.detail)
    # Starlette's own texts ("Not Found") name the status but not what was asked for.
    if exc.status_code == 404 and exc.detail == HTTPStatus.NOT_FOUND.phrase:
        message = f"Nothing here: {request.url.path} is not a page or API endpoint of HotDash."
    elif exc.status_code == 405 and exc.detail == HTTPStatus.METHOD_NOT_ALLOWED.phrase:
        message = f"{request.method} is not allowed on {request.url.path}."
    return error_response(exc.status_code, _code_for(exc.status_code), message, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: pydantic's `ctx` can hold exception objects, `input` can be huge.
    problems = [
        {"loc": list(error.get("loc", ())), "msg": str(error.get("msg", "")), "type": error.get("type", "")}
        for error in exc.errors()
    ]
    first = problems[0] if problems else None
    message = "The request is not valid"
    if first is not None:
        where = ".".join(str(part) for part in first["loc"] if part != "body") or "request"
        message = f"The request is not valid: {where}: {first['msg']}."
    return error_response(422, "validation_error", message, {"errors": problems})


async def _service_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceUnavailable)
    if _wants_html(request):
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request,
            "error.html",
            {"title": "HotDash is not ready", "message": exc.message, "code": exc.code},
            status_code=503,
        )
    return error_response(503, exc.code, exc.message, exc.details)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": exc.title, "message": exc.message, "code": _code_for(exc.status)},
        status_code=exc.status,
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log, never to the client: it can name tables, paths and data.
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500,
        "internal_error",
        "Something went wrong on our side. The error was logged; try again, and tell your administrator "
        "if it keeps happening.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through the one error shape."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ServiceUnavailable, _service_unavailable)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(Exception, _unexpected_error)
