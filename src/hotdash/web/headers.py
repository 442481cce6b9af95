"""Security headers on every response: what the browser may load, frame and send, and what it may keep.

- `Content-Security-Policy`: scripts only from this server (the vendored htmx and ECharts, our own files),
  never inline or from another host, so an injected `<script>` does not run; no plugins; forms post only here;
  no page may frame ours (clickjacking). Styles allow inline: ECharts writes style attributes on the elements
  it draws (tooltips, the chart container) and htmx adds its indicator rule; a style cannot run code.
- `X-Content-Type-Options: nosniff`: an uploaded file is never run as a script because it looks like one.
- `Referrer-Policy: same-origin`: a link to another site never carries a detection's or record's URL along.
- `Cache-Control: no-store` on everything but the static files: signed-in pages hold customers' names and
  orders, and the browser's back button or a shared machine's cache must not show them after sign-out.

A route that must run an inline script of its own (Swagger UI's start-up script) sets its own policy with
the script's hash (`policy_allowing`); the middleware leaves a policy already set alone.
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
STATIC_PREFIX = "/static/"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(extra_script_sources: tuple[str, ...] = ()) -> str:
    """Return the policy, with `extra_script_sources` (hashes, nonces) allowed to run as scripts too."""
    directives = dict(_DIRECTIVES)
    if extra_script_sources:
        directives["script-src"] = " ".join((directives["script-src"], *extra_script_sources))
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def policy_allowing(html: str) -> str:
    """Return the policy that lets exactly the inline scripts of `html` run (by their SHA-256)."""
    hashes = tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    return content_security_policy(hashes)


POLICY = content_security_policy()


class SecurityHeaders:
    """ASGI middleware that adds the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")  # for browsers that predate frame-ancestors
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
