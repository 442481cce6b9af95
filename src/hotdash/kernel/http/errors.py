"""The one error shape of the HTTP surface, `{"error": {"code", "message", "details"}}`, and its errors.

`hotdash.web.errors` installs the handlers that turn these into responses (JSON for programs, an HTML page for
a person where one helps); contexts raise them without knowing how they are rendered.
"""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse


class ApiError(HTTPException):
    """An HTTP error with a stable code, a message a person can act on, and structured details."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.details = details or {}


class ErrorDetail(BaseModel):
    """What went wrong, for a program (`code`) and for a person (`message`)."""

    code: str = Field(description="stable, snake_case identifier of the kind of error")
    message: str = Field(description="what happened and what to do about it")
    details: dict[str, Any] = Field(default_factory=dict, description="structured specifics, if any")


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, **kwargs: Any
) -> JSONResponse:
    """Return a JSON response in the one error shape."""
    body = ErrorResponse(error=ErrorDetail(code=code, message=message, details=details or {}))
    return JSONResponse(jsonable_encoder(body), status_code=status, **kwargs)


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
