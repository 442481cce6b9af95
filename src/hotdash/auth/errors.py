"""Errors of signing in and of rights, and of the account services.

The HTTP ones are the kernel's `ApiError`s with their stable `code`; `hotdash.web.errors` renders them in the
one error shape (or, for a person on a page, redirects to the sign-in page or shows an HTML page).
"""

from __future__ import annotations

from typing import Any

from hotdash.kernel.http.errors import ApiError


class NotAuthenticated(ApiError):
    """No valid session cookie or API token: pages redirect to the sign-in page, the API answers 401."""

    def __init__(
        self, message: str = "Sign in first: send an API token as `Authorization: Bearer hd_...`."
    ) -> None:
        super().__init__(401, "not_authenticated", message, headers={"WWW-Authenticate": "Bearer"})


class PermissionDenied(ApiError):
    """Signed in, but the role does not allow this."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(403, "forbidden", message, details)


class CsrfFailed(ApiError):
    """A change sent with the session cookie but without the session's CSRF token."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "csrf_failed",
            "This change was refused because it did not carry the page's security token. Reload the page "
            "and try again; programs should use an API token instead of a browser session.",
        )


class AccountError(ValueError):
    """A change to users or tokens that cannot be made; the message says why."""

    status_code = 422
    code = "invalid_request"


class EmailTaken(AccountError):
    status_code = 409
    code = "email_taken"


class UnknownUser(AccountError):
    status_code = 404
    code = "unknown_user"


class UnknownToken(AccountError):
    status_code = 404
    code = "unknown_token"


class LastAdmin(AccountError):
    status_code = 409
    code = "last_admin"


class NotAllowed(AccountError):
    status_code = 403
    code = "forbidden"
