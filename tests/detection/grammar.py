"""Hypothesis strategies for rule texts over a slice of one entity's catalogue (a `Schema`)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

WORDS = ["web", "Web", "pos", "a_b", "50%", "", "vip", "x\\y"]
STATUSES = ["unfulfilled", "partial", "fulfilled", "delivered", "cancelled", "open", "solved", "urgent"]


@dataclass(frozen=True)
class Schema:
    """The fields a generated rule may use, by type."""

    numbers: list[str]
    texts: list[str]
    bools: list[str]
    timestamps: list[str]
    tags: list[str]


number_literals = st.one_of(
    st.integers(-5, 500).map(str), st.integers(-50000, 200000).map(lambda c: f"{c / 100:.2f}")
)
text_literals = st.sampled_from(WORDS + STATUSES).map(lambda s: "'" + s.replace("'", "''") + "'")
patterns = st.sampled_from(
    ["'w%'", "'W%'", "'%b'", "'a\\_b'", "'50\\%'", "'_'", "'%'", "'%vip%'", "'x\\\\y'", "'%en%'"]
)
ts_literals = st.sampled_from(["'2026-11-20'", "'2026-11-18 08:00:00'", "'2026-11-21T00:00:00+02:00'"])
comparisons = st.sampled_from(["=", "<>", "<", "<=", ">", ">="])


def numbers(schema: Schema, depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(schema.numbers), number_literals)
    if depth <= 0:
        return leaf
    sub = numbers(schema, depth - 1)
    moments = st.sampled_from(schema.timestamps)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        sub.map(lambda a: f"-({a})"),
        sub.map(lambda a: f"abs({a})"),
        st.tuples(sub, st.integers(0, 2)).map(lambda t: f"round({t[0]}, {t[1]})"),
        st.tuples(sub, sub).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        moments.map(lambda f: f"hours_since({f})"),
        moments.map(lambda f: f"minutes_since({f})"),
        moments.map(lambda f: f"days_since({f})"),
        moments.map(lambda f: f"hours_until({f})"),
        texts(schema).map(lambda t: f"length({t})"),
    )


def texts(schema: Schema) -> st.SearchStrategy[str]:
    field = st.sampled_from(schema.texts)
    return st.one_of(
        field,
        field.map(lambda f: f"lower({f})"),
        field.map(lambda f: f"upper({f})"),
        field.map(lambda f: f"trim({f})"),
        st.tuples(field, text_literals).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
    )


def conditions(schema: Schema, depth: int) -> st.SearchStrategy[str]:
    """Return rule texts: comparisons, IN, LIKE, IS NULL, BETWEEN and functions, nested `depth` levels."""
    num = numbers(schema, 1)
    anything = schema.numbers + schema.texts + schema.timestamps
    leaf = st.one_of(
        st.tuples(num, comparisons, num).map(" ".join),
        st.tuples(texts(schema), st.sampled_from(["=", "<>"]), text_literals).map(" ".join),
        st.tuples(texts(schema), st.lists(text_literals, min_size=1, max_size=3), st.booleans()).map(
            lambda t: f"{t[0]} {'NOT ' if t[2] else ''}IN ({', '.join(t[1])})"
        ),
        st.tuples(texts(schema), st.sampled_from(["LIKE", "NOT LIKE", "ILIKE"]), patterns).map(" ".join),
        st.sampled_from(schema.bools),
        st.tuples(st.sampled_from(schema.bools), st.sampled_from(["TRUE", "FALSE"])).map(
            lambda t: f"{t[0]} = {t[1]}"
        ),
        st.tuples(st.sampled_from(anything), st.booleans()).map(
            lambda t: f"{t[0]} IS {'NOT ' if t[1] else ''}NULL"
        ),
        st.tuples(num, st.lists(st.one_of(number_literals, num), min_size=1, max_size=3), st.booleans()).map(
            lambda t: f"{t[0]} {'NOT ' if t[2] else ''}IN ({', '.join(t[1])})"
        ),
        st.tuples(st.sampled_from(schema.timestamps), ts_literals, ts_literals).map(
            lambda t: f"{t[0]} BETWEEN {t[1]} AND {t[2]}"
        ),
        st.tuples(num, number_literals, number_literals, st.booleans()).map(
            lambda t: f"{t[0]} {'NOT ' if t[3] else ''}BETWEEN {t[1]} AND {t[2]}"
        ),
        st.tuples(
            st.sampled_from(schema.timestamps),
            comparisons,
            st.one_of(st.sampled_from(schema.timestamps), ts_literals),
        ).map(" ".join),
        st.sampled_from(schema.tags).map(lambda f: f"contains_tag({f}, 'vip')"),
    )
    if depth <= 0:
        return leaf
    sub = conditions(schema, depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["AND", "OR"]), sub).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        sub.map(lambda a: f"NOT ({a})"),
    )
