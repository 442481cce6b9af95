"""Handlers that answer every error in the one shape: `{"error": {"code", "message", "details"}}`.

API clients (and webhook senders) always get that JSON. A person on a page gets the same message as an HTML
page when the database is not ready, their role does not allow something or their upload is too large,
because a JSON blob in a browser tab tells them nothing they can act on; and a page that needs signing in
sends them to the sign-in page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from hotdash.auth.errors import NotAuthenticated
from hotdash.kernel.http.errors import ApiError, PageError, ServiceUnavailable, error_response
from hotdash.kernel.http.pages import render_page

logger = logging.getLogger(__name__)

# Paths whose callers are programs: they always get JSON, even for errors that pages render as HTML.
_MACHINE_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/docs", "/redoc", "/openapi.json", "/static/")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(_MACHINE_PREFIXES)


# API errors a person on a page gets as an HTML page with the same message (e.g. an upload past the limit).
_PAGE_TITLES = {403: "Not allowed", 413: "Too large"}
# The title of the page a browser gets for any other error of a page path.
_BROWSER_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Not allowed here",
    409: "Conflict",
    422: "Not valid",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _from_browser(request: Request) -> bool:
    """Tell whether a person's browser asked for a page (programs and htmx fragments get JSON)."""
    wants = request.headers.get("accept", "")
    return _wants_html(request) and "text/html" in wants and not request.headers.get("HX-Request")


def _maybe_page(request: Request, response: Response, status: int, code: str, message: str) -> Response:
    """Return an HTML page with the error for a browser on a page path, else the JSON `response`."""
    if not _from_browser(request):
        return response
    try:
        title = _BROWSER_TITLES.get(status) or HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    try:
        page = render_page(
            request, "error.html", {"title": title, "message": message, "code": code}, status=status
        )
    except Exception:
        # The page itself failed (a broken template, a missing service): the JSON still says what happened.
        logger.exception("could not render the error page for %s", request.url.path)
        return response
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in response.headers:
            page.headers[name] = response.headers[name]
    return page


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
            return render_page(
                request,
                "error.html",
                {"title": _PAGE_TITLES[exc.status_code], "message": exc.message, "code": exc.code},
                status=exc.status_code,
            )
        answer = error_response(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)
        return _maybe_page(request, answer, exc.status_code, exc.code, exc.message)
    message = str(exc.detail)
    # Starlette's own texts ("Not Found") name the status but not what was asked for.
    if exc.status_code == 404 and exc.detail == HTTPStatus.NOT_FOUND.phrase:
        message = f"Nothing here: {request.url.path} is not a page or API endpoint of HotDash."
    elif exc.status_code == 405 and exc.detail == HTTPStatus.METHOD_NOT_ALLOWED.phrase:
        message = f"{request.method} is not allowed on {request.url.path}."
    code = _code_for(exc.status_code)
    answer = error_response(exc.status_code, code, message, headers=exc.headers)
    return _maybe_page(request, answer, exc.status_code, code, message)


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
    answer = error_response(422, "validation_error", message, {"errors": problems})
    return _maybe_page(request, answer, 422, "validation_error", message)


async def _service_unavailable(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceUnavailable)
    if _wants_html(request):
        return render_page(
            request,
            "error.html",
            {"title": "HotDash is not ready", "message": exc.message, "code": exc.code},
            status=503,
        )
    return error_response(503, exc.code, exc.message, exc.details)


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render_page(
        request,
        "error.html",
        {"title": exc.title, "message": exc.message, "code": _code_for(exc.status)},
        status=exc.status,
    )


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log, never to the client: it can name tables, paths and data.
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = (
        "Something went wrong on our side. The error was logged; try again, and tell your administrator "
        "if it keeps happening."
    )
    return _maybe_page(
        request, error_response(500, "internal_error", message), 500, "internal_error", message
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every error the app can raise through the one error shape."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ServiceUnavailable, _service_unavailable)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(Exception, _unexpected_error)
