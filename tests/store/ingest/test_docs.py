"""docs/import.md tells the truth: its column tables are the record models, and its example files import."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotdash.store.ingest.docs import END, START, render_columns
from hotdash.store.ingest.files.service import FileImport
from hotdash.store.ingest.records import RECORDS
from hotdash.store.models import Customer, Order, Sku, Ticket

DOCS = Path(__file__).resolve().parents[3] / "docs"
EXAMPLES = DOCS / "examples"


def test_the_column_tables_are_generated_from_the_record_models() -> None:
    page = (DOCS / "import.md").read_text(encoding="utf-8")
    generated = page[page.index(START) : page.index(END) + len(END)] + "\n"

    assert generated == render_columns(), "run: python -m hotdash.store.ingest.docs docs/import.md"
    for entity in RECORDS:
        assert f"### {entity}\n" in generated


def test_every_example_file_imports_without_a_reject(session: Session, store_id: int) -> None:
    files = {path.stem: path for path in EXAMPLES.iterdir()}
    assert set(files) == set(RECORDS)
    for entity in RECORDS:  # dependency order: referenced records first
        with files[entity].open("rb") as binary:
            summary = FileImport(
                session=session, entity=entity, binary=binary, filename=files[entity].name,
                now=datetime(2026, 12, 1, tzinfo=UTC), source="example",
            ).run()  # fmt: skip
        session.commit()
        assert summary.rejected == 0, (entity, summary.first_rejects)
        assert summary.inserted > 0, entity

    beanie = session.execute(select(Sku).where(Sku.external_id == "V-101")).scalar_one()
    assert beanie.price == Decimal("29.90")  # written 29,90 in a ;-separated file
    bob = session.execute(select(Customer).where(Customer.external_id == "C-2")).scalar_one()
    session.refresh(bob)
    assert (bob.name, bob.orders_count, bob.total_spent) == ('Bob "Bobby" Tables', 1, Decimal("0.00"))
    pos = session.execute(select(Order).where(Order.external_id == "O-1002")).scalar_one()
    assert pos.placed_at == datetime(2026, 11, 30, 10, 5, tzinfo=UTC)  # 11:05 in Berlin
    ticket = session.execute(select(Ticket).where(Ticket.external_id == "T-2")).scalar_one()
    assert (ticket.customer_id, ticket.order_id) == (bob.id, pos.id)
