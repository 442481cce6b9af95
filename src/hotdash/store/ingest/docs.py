"""The column reference of docs/import.md, generated from the record models so the two cannot drift apart.

`python -m hotdash.store.ingest.docs docs/import.md` rewrites the part between the markers; a test fails
when the page and the models disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hotdash.store.ingest.records import DERIVED, RECORDS, describe_type
from hotdash.store.ingest.specs import SPECS

START = "<!-- columns:start (generated from hotdash/store/ingest/records.py) -->"
END = "<!-- columns:end -->"


def _default(entity: str, field: str) -> str:
    info = RECORDS[entity].model_fields[field]
    if info.is_required():
        return "required"
    if info.default is None:
        return "optional, empty"
    if info.default == "":
        return 'optional, default ""'
    value = str(info.default).lower() if isinstance(info.default, bool) else str(info.default)
    return f"optional, default {value}"


def _key(entity: str) -> str:
    spec = SPECS[entity]
    if entity == "page_traffic":
        return "Rows are matched by (store, day, landing_page), then by external_id."
    if entity == "inventory_levels":
        return "Rows are matched by (sku, location), then by external_id."
    return "Rows are matched by (source, external_id)." + (
        " It belongs to the import's store." if spec.scoped_to_store else ""
    )


def render_columns() -> str:
    """Return the markdown of every entity's columns: name, type, required or default, meaning."""
    parts = [START]
    for entity, model in RECORDS.items():
        parts.append(f"\n### {entity}\n\n{_key(entity)}\n")
        parts.append("| column | type | required | meaning |\n| --- | --- | --- | --- |")
        for name, info in model.model_fields.items():
            meaning = (info.description or "").replace("|", "\\|")
            limit = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
            kind = describe_type(entity, name) + (f" (≤ {limit})" if limit and name != "external_id" else "")
            parts.append(f"| `{name}` | {kind} | {_default(entity, name)} | {meaning} |")
        for name, why in DERIVED.get(entity, {}).items():
            parts.append(f"| ~~`{name}`~~ | — | refused | {why} |")
    parts.append(END)
    return "\n".join(parts) + "\n"


def rewrite(page: Path) -> None:
    """Replace the generated part of `page` with the current column reference."""
    text = page.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END + "\n")
    page.write_text(head + render_columns() + tail, encoding="utf-8")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]))
