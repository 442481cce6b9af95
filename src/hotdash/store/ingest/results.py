"""What `upsert_batch` tells its caller about every record it was given."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["inserted", "updated", "unchanged", "stale", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("inserted", "updated", "unchanged", "stale", "rejected")


class UnknownEntity(ValueError):
    """The batch names an entity HotDash does not know: a mapper bug, so nothing in the batch is written."""


class UnknownStore(ValueError):
    """The batch is for a store that does not exist."""


@dataclass(frozen=True)
class FieldError:
    """Why a record was turned away: the field at fault ("" for the whole record) and a readable reason."""

    field: str
    message: str


@dataclass(frozen=True)
class RecordResult:
    """The outcome of one record: `index` is its position in its entity's sequence in the batch."""

    entity: str
    index: int
    external_id: str | None
    outcome: Outcome
    errors: tuple[FieldError, ...] = ()


@dataclass
class BatchResult:
    """Every record's outcome, in the order the entities were processed, and per-entity counts."""

    records: list[RecordResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, dict[Outcome, int]]:
        """Return entity -> outcome -> number of records, every outcome present."""
        tally: dict[str, Counter[Outcome]] = {}
        for record in self.records:
            tally.setdefault(record.entity, Counter())[record.outcome] += 1
        return {entity: {o: counter[o] for o in OUTCOMES} for entity, counter in tally.items()}

    def total(self, outcome: Outcome) -> int:
        """Return how many records of any entity had `outcome`."""
        return sum(1 for record in self.records if record.outcome == outcome)

    @property
    def rejected(self) -> list[RecordResult]:
        return [record for record in self.records if record.outcome == "rejected"]
