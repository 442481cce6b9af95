"""Hostile rules are refused before any SQL exists, and a refused rule never reaches the database."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from hotdash.detection.expression import RuleError, compile_rule, validate

HOSTILE = [
    "1=1; DROP TABLE orders",
    "total > 0; DELETE FROM orders",
    "total > 0;",
    "(SELECT 1) = 1",
    "total IN (SELECT total FROM orders)",
    "EXISTS (SELECT 1 FROM users)",
    "total > 0 UNION SELECT password_hash FROM users",
    "pg_sleep(10) IS NULL",
    "load_extension('/tmp/evil.so') = 1",
    "sqlite_version() = '3'",
    "total > 0 -- AND fulfillment_status = 'x'",
    "total > 0 /* ; DROP TABLE orders */",
    "/* hidden */ total > 0",
    "total > 0 --\n; DROP TABLE orders",
    "* = 1",
    "CAST(total AS TEXT) = '5'",
    "total::text = '5'",
    '"total" > 5',
    "`total` > 5",
    "total > ?",
    "total > :limit",
    "total > @limit",
    "total > $1",
    "orders.store_id = 2",
    "customer.store.id = 1",
    "id > 0",
    "store_id = 1",
    "CASE WHEN total > 0 THEN TRUE END",
    "total > 0 \uff21ND 1 = 1"  # fullwidth A,
    "total >\u037e 0",  # Greek question mark, which looks like ';'
    "total > 0\u202e",  # right-to-left override
    "tot\u200bal > 0",  # zero-width space inside a name
    "t\u043etal > 0",  # Cyrillic o
    "total > 0\x00; DROP TABLE orders",
    "sum(total) > 5",
    "max(total) OVER () > 5",
    "total > (1",
    "'a' || 'b' = 'ab'",
    "current_user = 'postgres'",
    "now() > placed_at",
    "x'41' = 'A'",
    "total <=> NULL",
    "total = NULL",
    "E'\\x41' = 'A'",
    "",
    "   ",
    "x" * 100_000,
    "(" * 10_000 + "total > 0" + ")" * 10_000,
    "(" * 1_900 + "total > 0" + ")" * 1_900,
    " AND ".join(["total > 0"] * 200),
    "-" * 3000 + "total > 0",
]


def _recording(engine: Engine) -> tuple[list[str], Any]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return statements, record


@pytest.mark.parametrize("expression", HOSTILE, ids=[repr(h[:30]) for h in HOSTILE])
def test_a_hostile_rule_is_refused_with_a_located_error(expression: str) -> None:
    errors = validate("orders", expression)
    assert errors, expression
    first = errors[0]
    assert first.line >= 1
    assert first.column >= 1
    assert 0 <= first.offset <= len(expression)
    assert len(first.message) > 10
    with pytest.raises(RuleError) as raised:
        compile_rule("orders", expression)
    assert raised.value.errors == errors


def test_statements_and_comments_are_named_in_the_error() -> None:
    (drop,) = validate("orders", "1=1; DROP TABLE orders")
    assert (drop.column, drop.code) == (4, "refused_token")
    (sub,) = validate("orders", "total > (SELECT max(total) FROM orders)")
    assert sub.name == "SELECT"
    assert sub.column == 10
    (comment,) = validate("orders", "total > 0 /* ; DROP TABLE orders */")
    assert comment.code == "comment"
    (sleep,) = validate("orders", "pg_sleep(10) IS NULL")
    assert sleep.name == "pg_sleep"
    assert "unknown function" in sleep.message
    (deep,) = validate("orders", "(" * 1_900 + "total > 0" + ")" * 1_900)
    assert deep.code == "too_deep"
    assert deep.column == 33
    (huge,) = validate("orders", "x" * 100_000)
    assert huge.code == "too_long"
    assert "100000" in huge.message


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_refused_rules_never_reach_the_database(backend: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue("sqlite_engine" if backend == "sqlite" else "pg_engine")
    statements, record = _recording(engine)
    try:
        for expression in HOSTILE:
            assert validate("orders", expression)
            with pytest.raises(RuleError):
                compile_rule("orders", expression)
        # Validating a good rule does not query either: checking is pure.
        assert validate("orders", "total > 500 AND customer.is_vip") == []
        assert statements == []
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert {"orders", "customers", "users"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(select(1)).scalar_one() == 1


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_values_in_a_rule_reach_sql_only_as_bound_parameters(dialect: Any) -> None:
    marker = "zq9_marker"
    rule = compile_rule(
        "orders",
        f"channel = '{marker}' OR tags LIKE '%{marker}%' OR lower(channel) IN ('{marker}x') "
        f"OR contains_tag(tags, '{marker}y') OR total > 123456.5 OR channel ILIKE '{marker}z'",
    )
    compiled = rule.select().compile(dialect=dialect)
    assert marker not in str(compiled)
    assert "123456" not in str(compiled)
    values = [str(v) for v in compiled.params.values()]
    assert any(marker in v for v in values)
    assert "123456.5" in values


# Printable ASCII plus fullwidth ; = ( ), the Greek question mark and a zero-width space.
LOOK_ALIKES = "\uff1b\uff1d\uff08\uff09\u037e\u200b"
printable_soup = st.text(alphabet=string.printable + LOOK_ALIKES, max_size=200)


@settings(max_examples=300, deadline=None)
@given(text=printable_soup)
def test_fuzzed_text_is_either_refused_or_compiles_to_a_condition(text: str) -> None:
    errors = validate("orders", text)
    if errors:
        assert all(e.line >= 1 and e.column >= 1 and e.message for e in errors)
        return
    rule = compile_rule("orders", text)
    sql = str(rule.select().compile(dialect=sqlite.dialect()))
    assert ";" not in sql
    assert "--" not in sql
    assert "/*" not in sql


def test_size_limits_refuse_rules_too_complex_to_check_safely() -> None:
    (wide,) = validate("orders", " AND ".join(["total > 0"] * 140))
    assert wide.code == "too_complex"
    assert "699 parts" in wide.message
    (deep,) = validate("orders", "total" + " + 1" * 130 + " > 0")
    assert deep.code == "too_complex"
    assert "133 deep" in deep.message


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_largest_allowed_rules_run(backend: str, request: pytest.FixtureRequest) -> None:
    engine: Engine = request.getfixturevalue("sqlite_engine" if backend == "sqlite" else "pg_engine")
    deepest = "total" + " + 1" * 115 + " > 0"
    widest = "channel IN (" + ", ".join(f"'c{i}'" for i in range(290)) + ")"
    nested = "(" * 30 + "total > 0" + ")" * 30
    with engine.connect() as connection:
        for rule in (deepest, widest, nested):
            assert validate("orders", rule) == []
            assert connection.scalars(compile_rule("orders", rule).select()).all() == []


SQL_SOUP = [
    *["total", "customer.is_vip", "tags", "placed_at", "x", "users", "orders", "'a'", "'%x%'", "1", "2.5"],
    *["(", ")", ",", ".", "=", "<>", ">", "-", "+", "*", "/", "||", "::", "?", "$1", "@", "[", "]", "{", "}"],
    *["AND", "OR", "NOT", "IN", "BETWEEN", "IS", "NULL", "LIKE", "ILIKE", "TRUE", "ESCAPE", "COLLATE"],
    *["SELECT", "FROM", "WHERE", "UNION", "CASE", "WHEN", "THEN", "END", "CAST", "AS", "INTERVAL", "OVER"],
    *["lower", "coalesce", "round", "contains_tag", "hours_since", "pg_sleep", "load_extension", "ANY"],
    *[";", "--", "/*", "*/", "'", '"', "`", "\\", "%", "^", "~", "#"],
]


@settings(max_examples=500, deadline=None)
@given(words=st.lists(st.sampled_from(SQL_SOUP), min_size=1, max_size=14))
def test_fuzzed_sql_is_refused_with_a_position_or_compiles_without_statement_text(words: list[str]) -> None:
    text = " ".join(words)
    errors = validate("orders", text)
    if errors:
        assert all(e.column >= 1 and 0 <= e.offset <= len(text) for e in errors)
        return
    sql = str(compile_rule("orders", text).select().compile(dialect=postgresql.dialect()))
    for word in ("UNION", "pg_sleep", "load_extension", "users", ";", "--"):
        assert word not in sql
