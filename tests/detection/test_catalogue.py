"""Every field of every entity, related ones included, compiles to SQL both databases accept and run."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hotdash.detection.expression import ENTITIES, compile_rule, fields_of, validate

PROBES = {
    "number": ["{f} > 1.5", "abs({f}) + 1 BETWEEN 0 AND 100", "round({f}, 2) IN (1, 2)"],
    "money": ["{f} > 500", "{f} * 2 - 1 > 0", "coalesce({f}, 0) = 0"],
    "text": ["{f} = 'x'", "lower({f}) LIKE 'a%'", "{f} ILIKE '%b%'", "length(trim({f})) > 3"],
    "bool": ["{f}", "NOT {f}", "{f} = true"],
    "timestamp": ["{f} < '2026-01-01'", "hours_since({f}) > 1", "days_since({f}) < hours_until({f})"],
    "date": ["{f} = '2026-01-01'", "days_since({f}) > 2"],
}


def probes(entity: str) -> list[str]:
    rules = []
    for name, kind, _ in fields_of(entity):
        rules += [p.format(f=name) for p in PROBES[kind]]
        rules.append(f"{name} IS NULL")
    return rules


@pytest.mark.parametrize("entity", list(ENTITIES))
def test_every_field_is_valid_in_rules_fit_for_its_type(entity: str) -> None:
    for rule in probes(entity):
        assert validate(entity, rule) == [], rule


def test_the_catalogue_covers_the_entities_the_language_promises() -> None:
    assert {"orders", "tickets", "shipments", "skus", "customers", "page_traffic"} <= set(ENTITIES)
    for entity in ENTITIES.values():
        for relation in entity.relations.values():
            assert relation.entity in ENTITIES
            assert hasattr(entity.model, relation.foreign_key)
        for field in entity.fields.values():
            assert field.help.strip(), (entity.name, field.name)  # `rules fields` and the doc show it


def test_every_field_runs_on_both_databases(engine: Engine) -> None:
    with Session(engine) as session:
        for entity in ENTITIES:
            rules = probes(entity)
            # Many probes in one statement each time, within the size limits.
            for start in range(0, len(rules), 12):
                chunk = " OR ".join(f"({r})" for r in rules[start : start + 12])
                rule = compile_rule(entity, chunk)
                assert rule.select_ids(session, store_id=1) == [], chunk
