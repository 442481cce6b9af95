"""One set of tunables below tiles and detection: the registry, managers' overrides, the values in force.

`registry` names and documents each number; `values` reads the values in force and checks and writes
changes. Tiles read them by key, and default rules name them, so one change moves the tile and the rule.
"""

from hotdash.kernel.tunables.models import TunableOverride
from hotdash.kernel.tunables.registry import BY_KEY, ORDERED, REGISTRY, Tunable, Unit
from hotdash.kernel.tunables.values import (
    LiveTunables,
    TunableError,
    Tunables,
    check,
    load_tunables,
    remove_override,
    store_override,
    unknown_message,
)

__all__ = [
    "BY_KEY",
    "ORDERED",
    "REGISTRY",
    "LiveTunables",
    "Tunable",
    "TunableError",
    "TunableOverride",
    "Tunables",
    "Unit",
    "check",
    "load_tunables",
    "remove_override",
    "store_override",
    "unknown_message",
]
