"""Body-size limits that hold for the bytes a request actually sends, not only for the ones it announces.

A client may leave Content-Length out (`Transfer-Encoding: chunked`), so checking the header alone lets any
body through. A route built with `limited_route` counts the bytes as they arrive and refuses with 413 as soon
as they pass its limit, whoever is reading: the handler, FastAPI's form parsing (which runs before
authentication and the handler, and would otherwise spool a whole upload to disk), or the CSRF check. A
Content-Length above the limit is refused before any of the body is read.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive

from hotdash.kernel.http.errors import ApiError

# The limit in bytes for a request: a number, or read at request time (e.g. from the app's settings).
Limit = int | Callable[[Request], int]
# Builds the route's 413 from the limit, so each kind of route keeps its own message.
TooLarge = Callable[[int], ApiError]


def limited_route(limit: Limit, too_large: TooLarge) -> type[APIRoute]:
    """Return a route class whose requests may carry at most `limit` bytes of body (413 `too_large` else).

    Use it as `route_class_override` of `APIRouter.add_api_route`, or as an `APIRouter`'s `route_class`.
    """

    class BodyLimitedRoute(APIRoute):
        # Tells `hotdash.web.body_limits` that this route keeps its own limit instead of the app's default.
        has_own_body_limit = True

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def limited(request: Request) -> Response:
                cap = limit(request) if callable(limit) else limit
                declared = request.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > cap:
                    raise too_large(cap)
                # Everything downstream reads through this request, so every read is counted.
                return await handler(Request(request.scope, counted(request.receive, cap, too_large)))

            return limited

    return BodyLimitedRoute


def counted(receive: Receive, limit: int, too_large: TooLarge) -> Receive:
    """Return `receive` counting the body's bytes, raising `too_large(limit)` once they pass `limit`."""
    received = 0

    async def receive_counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large(limit)
        return message

    return receive_counted


def size_text(limit: int) -> str:
    """Return a limit in words: "5 MB" for whole mebibytes, else "65,536 bytes"."""
    mib = 1024 * 1024
    return f"{limit // mib} MB" if limit >= mib and limit % mib == 0 else f"{limit:,} bytes"
