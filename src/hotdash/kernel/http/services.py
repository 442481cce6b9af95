"""The app's services: one typed, frozen object that `create_app` builds once, and the dependency to get it.

The kernel sits below the contexts, so it cannot name their parts (the login throttle, the webhook writer, the
detection runner, ...). They travel as `components`, looked up by their type: `services.get(LoginThrottle)`
returns a `LoginThrottle` or fails loudly at the first request of a wrongly wired app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.templating import Jinja2Templates

from hotdash.clock import Clock
from hotdash.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Services:
    """What every request may need, built once per app."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    templates: Jinja2Templates
    # Read once: the migration scripts on disk cannot change while the process runs.
    head_revision: str
    components: Mapping[type[Any], object] = field(default_factory=dict)

    def get(self, kind: type[T]) -> T:
        """Return the component of type `kind` that create_app registered."""
        found = self.components.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"create_app registered no {kind.__name__} component")
        return found


def install_services(app: Starlette, services: Services) -> None:
    """Attach `services` to `app`; the only write of the app's state."""
    app.state.services = services


def services_of(app: Starlette) -> Services:
    """Return the services `install_services` attached to `app`."""
    services = getattr(app.state, "services", None)
    if not isinstance(services, Services):
        raise LookupError("this app was not built by create_app: it has no services")
    return services


def get_services(request: Request) -> Services:
    """Return the services of the app serving `request`."""
    return services_of(request.app)


AppServices = Annotated[Services, Depends(get_services)]
