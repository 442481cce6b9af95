"""The request clock: "now" from the services' clock, so tests pin and move time through `create_app`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from hotdash.kernel.http.services import services_of


def now(request: Request) -> datetime:
    """Return the app's idea of now."""
    return services_of(request.app).clock.now()


# FastAPI computes a dependency once per request, so every use of `Now` in one request sees the same instant.
Now = Annotated[datetime, Depends(now)]
