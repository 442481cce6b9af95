"""The tunables in force: read them, check a proposed value, write or remove a manager's override.

Writing is audited by whoever calls `store_override` / `remove_override` (the audit log belongs to auth, a
layer above this one): `hotdash.tiles.service.set_threshold` is the path a manager's edit takes.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.kernel.tunables.models import TunableOverride
from hotdash.kernel.tunables.registry import BY_KEY, ORDERED, REGISTRY


class TunableError(ValueError):
    """A tunable value that cannot be accepted; the message says why and what would be."""


class Tunables(Mapping[str, float]):
    """The values in force: each manager-set value, else the default."""

    def __init__(self, overrides: Mapping[str, float] | None = None) -> None:
        self._values = {t.key: t.default for t in REGISTRY}
        for key, value in (overrides or {}).items():
            if key in self._values:
                self._values[key] = float(value)

    def __getitem__(self, key: str) -> float:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def int(self, key: str) -> int:
        """Return a whole-number tunable."""
        return round(self._values[key])

    def is_default(self, key: str) -> bool:
        """Tell whether a tunable has its default value."""
        return self._values[key] == BY_KEY[key].default


def load_tunables(*, session: Session) -> Tunables:
    """Return the tunables in force."""
    rows = session.execute(select(TunableOverride.key, TunableOverride.value)).all()
    return Tunables({key: value for key, value in rows})


def unknown_message(key: str) -> str:
    """Return the message for a tunable name that does not exist, with the closest names."""
    close = difflib.get_close_matches(key, list(BY_KEY), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown tunable {key!r}{hint}: the thresholds page, /settings/thresholds, lists them"


def check(key: str, value: float, current: Mapping[str, float]) -> None:
    """Raise TunableError unless `value` is acceptable for `key` given the other values in force."""
    spec = BY_KEY.get(key)
    if spec is None:
        raise TunableError(unknown_message(key))
    if not spec.minimum <= value <= spec.maximum:
        raise TunableError(
            f"{spec.label} must be between {spec.minimum:g} and {spec.maximum:g}, not {value:g}"
        )
    if spec.integer and value != int(value):
        raise TunableError(f"{spec.label} must be a whole number, not {value:g}")
    proposed = dict(current)
    proposed[key] = value
    for chain in ORDERED:
        if key not in chain:
            continue
        for lower, upper in itertools.pairwise(chain):
            if proposed[lower] > proposed[upper]:
                raise TunableError(
                    f"{BY_KEY[lower].label} ({proposed[lower]:g}) cannot exceed "
                    f"{BY_KEY[upper].label} ({proposed[upper]:g})"
                )


def store_override(
    *, session: Session, key: str, value: float, now: datetime, user_id: int | None
) -> tuple[float, Tunables]:
    """Check and store a manager's value; return the value it replaced and the tunables now in force."""
    current = load_tunables(session=session)
    check(key, value, current)
    row = session.scalar(select(TunableOverride).where(TunableOverride.key == key))
    if row is None:
        session.add(TunableOverride(key=key, value=value, updated_at=now, updated_by=user_id))
    else:
        row.value, row.updated_at, row.updated_by = value, now, user_id
    session.flush()
    return current[key], load_tunables(session=session)


def remove_override(*, session: Session, key: str) -> tuple[float | None, Tunables]:
    """Put a tunable back to its default; return the value it had (None if it had no override) and the
    tunables now in force."""
    if key not in BY_KEY:
        raise TunableError(unknown_message(key))
    current = load_tunables(session=session)
    check(key, BY_KEY[key].default, current)
    row = session.scalar(select(TunableOverride).where(TunableOverride.key == key))
    if row is None:
        return None, current
    session.delete(row)
    session.flush()
    return current[key], load_tunables(session=session)


class LiveTunables:
    """The values compiled rules read each time they run; whoever runs them refreshes it first.

    A compiled rule is kept for as long as its definition does not change, while a manager may change a
    tunable at any moment: the rule holds this object, not the numbers, and binds the number at execution.
    """

    def __init__(self, values: Mapping[str, float] | None = None) -> None:
        self.values: Mapping[str, float] = values if values is not None else Tunables()

    def refresh(self, session: Session) -> None:
        """Read the values in force now."""
        self.values = load_tunables(session=session)

    def get(self, key: str) -> float:
        """Return the value of one tunable (KeyError for an unknown name: validation refuses those)."""
        return float(self.values[key])
