"""Where a tile and a default rule answer the same question, they count the same records.

On the small demo, on SQLite and PostgreSQL, before and after a manager changes a tunable through the service
the thresholds page uses. Records are compared by id, and each set is also checked against a plain Python
reading of the demo's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from types import ModuleType

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from hotdash.auth.models import Role, User
from hotdash.clock import FrozenClock
from hotdash.db.session import make_engine
from hotdash.detection.defaults import install_defaults
from hotdash.detection.evaluator import Evaluator
from hotdash.detection.expression import compile_rule
from hotdash.detection.models import Rule
from hotdash.kernel.tunables import load_tunables
from hotdash.store.demo.service import generate_demo
from hotdash.store.models import Location, Order, Refund, Store, Ticket
from hotdash.tiles import cx, fulfillment, inventory
from hotdash.tiles.context import make_context
from hotdash.tiles.schemas import TileResult
from hotdash.tiles.service import set_threshold
from hotdash.tiles.windows import WindowName
from tests.store.demo_fixtures import DEMO_NOW

OPEN_TICKET = ("new", "open", "pending", "on_hold")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The small demo store at DEMO_NOW, once per module and database; tests never commit to it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('agreement') / 'demo.db'}"
        drop = None
    else:
        server = request.getfixturevalue("pg_server")
        name = f"hotdash_agree_{uuid.uuid4().hex[:10]}"
        server.create_database(name)
        url, drop = server.url(name), name
    engine = make_engine(url)
    generate_demo(engine=engine, clock=FrozenClock(DEMO_NOW), size="small", seed=7)
    yield engine
    engine.dispose()
    if drop is not None:
        request.getfixturevalue("pg_server").drop_database(drop)


@pytest.fixture
def session(demo: Engine) -> Iterator[Session]:
    """A session on the demo with the default rules installed; rolled back at the end."""
    with Session(demo) as opened:
        install_defaults(session=opened, now=DEMO_NOW)
        yield opened
        opened.rollback()


def _manager(session: Session) -> User:
    user = User(
        email=f"{uuid.uuid4().hex[:8]}@example.com",
        name="Dana",
        password_hash="x",
        role=Role.manager.value,
        is_active=True,
        created_at=DEMO_NOW,
    )
    session.add(user)
    session.flush()
    return user


def _change(session: Session, key: str, value: float) -> None:
    """Change a tunable as a manager does on the thresholds page."""
    set_threshold(session=session, key=key, value=value, actor=_manager(session), now=DEMO_NOW)


def _store(session: Session) -> Store:
    return session.scalars(select(Store)).one()


def _tile(session: Session, module: ModuleType) -> TileResult:
    ctx = make_context(
        session=session,
        store=_store(session),
        now=DEMO_NOW,
        window=WindowName.today,
        thresholds=load_tunables(session=session),
    )
    result: TileResult = module.compute(ctx)
    return result


def _listed(result: TileResult, key: str) -> set[int]:
    """Return the ids of every record of a tile's exception (none if the tile shows no such exception)."""
    found = [e for e in result.exceptions if e.key == key]
    if not found:
        return set()
    # Every record must be listed, or the comparison would be of a sample.
    assert found[0].record_count == len(found[0].records)
    return {r.id for r in found[0].records}


def _rule(session: Session, key: str) -> Rule:
    return session.scalars(select(Rule).where(Rule.key == key)).one()


def _rule_ids(session: Session, key: str) -> set[int]:
    """Return the records a record or time rule matches on the demo now."""
    matches = Evaluator(FrozenClock(DEMO_NOW)).matches(
        session=session, rule=_rule(session, key), store=_store(session)
    )
    return {int(k) for k in matches}


# Refunds above $100 / above $500 --------------------------------------------------------------------------


def _pending_refunds(session: Session) -> list[tuple[int, Decimal]]:
    rows = session.execute(select(Refund.id, Refund.amount, Refund.status)).all()
    return [(i, amount) for i, amount, status in rows if status == "requested"]


def _refund_sets(session: Session) -> tuple[set[int], set[int]]:
    tile = _tile(session, cx)
    approval, personal = _listed(tile, "refunds_approval"), _listed(tile, "refunds_personal")
    assert approval == _rule_ids(session, "cx.refund_needs_approval")
    assert personal == _rule_ids(session, "cx.refund_needs_manager")
    return approval, personal


def test_refunds_above_the_approval_and_high_value_lines_are_the_same_records(session: Session) -> None:
    pending = _pending_refunds(session)
    approval, personal = _refund_sets(session)
    assert approval == {i for i, amount in pending if Decimal(100) < amount <= Decimal(500)}
    assert personal == {i for i, amount in pending if amount > Decimal(500)}
    assert (len(approval), len(personal)) == (6, 4)

    # Move both lines onto amounts the demo holds, so records sit exactly on each line after the change.
    amounts = sorted(amount for _, amount in pending)
    low, high = amounts[1], amounts[-2]
    _change(session, "cx.high_value_above", float(high))
    _change(session, "cx.refund_approval_above", float(low))
    approval, personal = _refund_sets(session)
    # A refund exactly on a line is not above it.
    assert approval == {i for i, amount in pending if low < amount <= high}
    assert personal == {i for i, amount in pending if amount > high}
    assert len(personal) == sum(1 for a in amounts if a > high)
    assert not approval & personal


# Delayed orders per warehouse ------------------------------------------------------------------------------


def _delayed_by_hand(session: Session, now: datetime) -> dict[str, set[int]]:
    """Delayed orders per warehouse name, read row by row: past ship-by while unshipped, past deliver-by
    while in transit, never when cancelled."""
    names = dict(session.execute(select(Location.id, Location.name)).all())
    found: dict[str, set[int]] = {}
    for order in session.scalars(select(Order)):
        late_unshipped = order.fulfillment_status in ("unfulfilled", "partial") and order.ship_by < now
        late_transit = (
            order.fulfillment_status == "fulfilled"
            and order.deliver_by is not None
            and order.deliver_by < now
        )
        if order.cancelled_at is None and (late_unshipped or late_transit):
            found.setdefault(names.get(order.location_id, "unassigned"), set()).add(order.id)
    return found


def _warehouse_view(session: Session) -> tuple[TileResult, dict[str, tuple[str, float]]]:
    """Return the Fulfillment tile and the delayed-per-warehouse rule's (severity, count) per warehouse,
    after checking that both count the same orders."""
    tile = _tile(session, fulfillment)
    rule = _rule(session, "fulfillment.delayed_per_warehouse")
    matches = Evaluator(FrozenClock(DEMO_NOW)).matches(session=session, rule=rule, store=_store(session))
    # The rule's records: its condition, grouped by the order's warehouse.
    compiled = compile_rule("orders", rule.expression, clock=FrozenClock(DEMO_NOW))
    ids = set(compiled.select_ids(session, store_id=_store(session).id))
    assert ids == _listed(tile, "delayed")
    by_hand = _delayed_by_hand(session, DEMO_NOW)
    assert ids == set().union(*by_hand.values())
    chart = dict(zip(tile.chart.x, tile.chart.series[0].values, strict=True)) if tile.chart else {}
    assert chart == {name: float(len(orders)) for name, orders in by_hand.items()}
    severities = {label: (m.severity, float(m.value or 0)) for label, m in matches.items()}
    # Every warehouse the rule flags is counted the same by the tile's chart.
    assert {label: count for label, (_, count) in severities.items()} == {
        name: count for name, count in chart.items() if name in severities
    }
    return tile, severities


def test_delayed_orders_per_warehouse_follow_the_same_tunables(session: Session) -> None:
    tile, rule = _warehouse_view(session)
    assert tile.status_reason == "29 orders are past their promise; over 15 is critical."
    # 13 and 12 are between 5 and 15 (warning); Dallas's 4 is under investigate_min (5): not flagged.
    assert rule == {"Reno DC": ("warning", 13.0), "Columbus DC": ("warning", 12.0)}

    # Critical above 12: Reno's 13 is over the line, Columbus's 12 is on it (still a warning).
    _change(session, "fulfillment.critical_above", 12)
    tile, rule = _warehouse_view(session)
    assert tile.status_reason == "29 orders are past their promise; over 12 is critical."
    assert rule == {"Reno DC": ("critical", 13.0), "Columbus DC": ("warning", 12.0)}

    # Investigate from 4 (Dallas's count) and critical above 29 (the whole store's count): the tile drops to a
    # warning, and the rule flags Dallas, on the line.
    _change(session, "fulfillment.critical_above", 29)
    _change(session, "fulfillment.investigate_min", 4)
    tile, rule = _warehouse_view(session)
    assert tile.status.value == "warning"
    assert tile.status_reason == "29 orders are past their promise; 4 to 29 means a warehouse capacity issue."
    assert rule == {
        "Reno DC": ("warning", 13.0),
        "Columbus DC": ("warning", 12.0),
        "Dallas 3PL": ("warning", 4.0),
    }


# Urgent tickets past their first-response SLA; legal and regulatory threats --------------------------------


def _urgent_by_hand(ticket: Ticket, high_value_above: float) -> bool:
    high_value = bool(ticket.is_escalated) and float(ticket.value_at_stake or 0) > high_value_above
    return ticket.priority == "urgent" or ticket.legal_threat or ticket.regulatory_threat or high_value


def _sla_sets(session: Session) -> tuple[set[int], set[int]]:
    """Return the tickets past their first-response SLA (tile) and the urgent ones among them (rule)."""
    tile = _tile(session, cx)
    breached = _listed(tile, "first_response_breached")
    urgent = _rule_ids(session, "cx.first_response_sla_urgent")
    other = _rule_ids(session, "cx.first_response_sla")
    # The tile lists every breach; the two rules split them into urgent (15 minutes) and the rest (60).
    assert breached == urgent | other
    assert not urgent & other
    line = load_tunables(session=session)["cx.high_value_above"]
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(breached)))}
    assert urgent == {i for i in breached if _urgent_by_hand(tickets[i], line)}
    return breached, urgent


def test_urgent_tickets_past_their_sla_are_the_same_records(session: Session) -> None:
    breached, urgent = _sla_sets(session)
    assert (len(breached), len(urgent)) == (2, 2)
    # Raising the high-value line takes no breach off the urgent SLA here: both are threats.
    _change(session, "cx.high_value_above", 900)
    assert _sla_sets(session) == (breached, urgent)
    # The SLAs themselves. Both threats came in overnight and the store opened 30 minutes before DEMO_NOW:
    # each has waited exactly 30 business minutes, breached under a 29-minute SLA, not under 30 (the line).
    _change(session, "cx.first_response_minutes", 1)
    _change(session, "cx.urgent_first_response_minutes", 29)
    assert _sla_sets(session) == ({423, 425}, {423, 425})
    _change(session, "cx.urgent_first_response_minutes", 30)
    assert _sla_sets(session) == (set(), set())


def _threats(session: Session) -> set[int]:
    tile = _tile(session, cx)
    shown = _listed(tile, "legal") | _listed(tile, "regulatory")
    assert shown == _rule_ids(session, "cx.legal_regulatory_threat")
    return shown


def test_legal_and_regulatory_threats_are_the_same_records(session: Session) -> None:
    by_hand = {
        t.id
        for t in session.scalars(select(Ticket))
        if t.status in OPEN_TICKET and (t.legal_threat or t.regulatory_threat)
    }
    assert _threats(session) == by_hand
    assert len(by_hand) == 2
    _change(session, "cx.high_value_above", 900)
    assert _threats(session) == by_hand


# P0-P3 SKUs -------------------------------------------------------------------------------------------------


def _stockout_sets(session: Session) -> dict[str, set[int]]:
    """Return the SKUs at each stockout priority, after checking the tile and the four rules agree."""
    tile = _tile(session, inventory)
    found = {}
    for level in ("P0", "P1", "P2", "P3"):
        shown = _listed(tile, level.lower())
        assert shown == _rule_ids(session, f"inventory.stockout_{level.lower()}"), level
        found[level] = shown
    return found


def test_stockout_priorities_are_the_same_skus(session: Session) -> None:
    before = _stockout_sets(session)
    # The example: the tile showed 3 P0 SKUs and the rule found 2 (5 units a day made a top seller).
    assert before == {
        "P0": {21, 72, 137},
        "P1": {64, 133},
        "P2": {115},
        "P3": {20, 27, 37, 39, 73, 103, 112, 119},
    }

    # P0 up to the P1 line: every top seller under 7 days is now P0, none is P1.
    _change(session, "inventory.p1_cover_days", 7)
    _change(session, "inventory.p0_cover_days", 7)
    raised = _stockout_sets(session)
    assert raised["P0"] == before["P0"] | before["P1"]
    assert raised["P1"] == set()
    assert raised["P2"] >= before["P2"]
    assert raised["P3"] >= before["P3"]
    assert raised == {"P0": {21, 64, 72, 133, 137}, "P1": set(), "P2": {93, 115}, "P3": before["P3"]}

    # Fewer top sellers: a former top seller under 3 days of cover is now a mid seller's P2.
    _change(session, "inventory.p0_cover_days", 3)
    _change(session, "inventory.top_seller_pct", 1)
    fewer = _stockout_sets(session)
    assert fewer["P0"] < before["P0"]
    assert before["P0"] - fewer["P0"] <= fewer["P2"]
    # 1% of the catalogue: SKUs 64 and 133 (3-7 days of cover) are mid sellers now, not at risk.
    assert fewer == {"P0": {21, 137}, "P1": set(), "P2": {72, 115}, "P3": before["P3"]}
