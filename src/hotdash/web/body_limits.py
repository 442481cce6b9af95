"""A body limit for every route, counted before anything reads the body: sign-in, CSRF check or handler.

Webhooks, uploads and the event API have limits of their own (`hotdash.store.body_limit`). Every other route
used to read whatever arrived before deciding who was asking: three anonymous 200 MiB JSON bodies took the
server to 1.8 GB, and a 1 GiB form posted to `/login` was spooled to disk first. Each such route now counts
the bytes as they arrive and answers 413 once they pass `HOTDASH_REQUEST_MAX_BYTES` (a declared
Content-Length above it is refused before any byte is read).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotdash.kernel.http.errors import ApiError
from hotdash.store.body_limit import counted, size_text


def too_large(limit: int) -> ApiError:
    """Return the 413 of a body past the default limit."""
    return ApiError(
        413,
        "payload_too_large",
        f"The request body is larger than the {size_text(limit)} HotDash accepts here "
        "(HOTDASH_REQUEST_MAX_BYTES).",
        {"limit_bytes": limit},
    )


class DefaultBodyLimit:
    """ASGI middleware: count each request's body against `limit` unless its route keeps a limit of its own.

    Counting starts at the first read of the body, which comes after routing: by then the scope names the
    route, and a route built with `limited_route` (webhooks, uploads, the event API) counts for itself.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        counting: Receive | None = None

        async def receive_limited() -> Message:
            nonlocal counting
            if counting is None:
                if getattr(scope.get("route"), "has_own_body_limit", False):
                    counting = receive
                else:
                    declared = Headers(scope=scope).get("content-length")
                    if declared is not None and declared.isdigit() and int(declared) > limit:
                        raise too_large(limit)
                    counting = counted(receive, limit, too_large)
            return await counting()

        await self.app(scope, receive_limited, send)
