"""The generated part of docs/rules.md: every entity's fields and every function, from the catalogue.

`python -m hotdash.detection.expression.docs docs/rules.md` rewrites the part between the markers; a test
fails when the page and the catalogue disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hotdash.detection.expression.functions import FUNCTIONS
from hotdash.detection.expression.registry import ENTITIES

BEGIN = "<!-- generated from hotdash.detection.expression.registry: do not edit by hand -->"
END = "<!-- end of generated part -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """Return the Markdown of the entity and function reference."""
    out = [BEGIN, "", "### Entities and their fields", ""]
    for entity in ENTITIES.values():
        out += [f"#### `{entity.name}`", "", entity.help, ""]
        out += ["| field | type | meaning |", "| --- | --- | --- |"]
        for f in entity.fields.values():
            kind = f"{f.type} (derived)" if f.derived else str(f.type)
            out.append(f"| `{f.name}` | {kind} | {_cell(f.help)} |")
        if entity.relations:
            out += ["", "Related records (use any of their fields, e.g. `name.field`):", ""]
            for r in entity.relations.values():
                out.append(f"- `{r.name}.`: {r.help} (fields of `{r.entity}`)")
        out.append("")
    out += ["### Functions", "", "| call | returns | meaning |", "| --- | --- | --- |"]
    for fn in FUNCTIONS.values():
        out.append(f"| `{fn.signature}` | {fn.result} | {_cell(fn.help)} |")
    out += ["", END]
    return "\n".join(out)


def rewrite(page: Path) -> None:
    """Replace the generated part of `page` with the current catalogue."""
    text = page.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    page.write_text(head + render() + tail, encoding="utf-8")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]))
