"""Daily demand per SKU: steady, trending, intermittent, zero and new sellers, from the daily sales rollup."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy.orm import Session

from hotdash.store import models as m
from hotdash.store.demand import daily_rates, sku_demand
from tests.tiles.builders import add

TODAY = date(2026, 6, 17)


def rate(series: list[int], observed: int | None = None) -> float:
    """The rate of one SKU whose daily units over the look-back are `series`, oldest first."""
    units = np.array([float(sum(series))])
    recent = np.array([float(sum(series[-7:]))])
    sold_days = np.array([float(sum(1 for u in series if u > 0))])
    days = np.array([float(observed if observed is not None else len(series))])
    return float(daily_rates(units, recent, sold_days, days)[0])


def test_a_steady_seller_sells_its_daily_units() -> None:
    assert rate([10] * 28) == pytest.approx(10.0)


def test_a_regular_seller_weighs_the_last_week_as_much_as_the_four() -> None:
    series = [10] * 21 + [20] * 7
    whole, last_week = (21 * 10 + 7 * 20) / 28, 20.0
    assert rate(series) == pytest.approx((whole + last_week) / 2)  # 16.25: the rise shows, halfway


def test_an_intermittent_seller_is_not_judged_by_one_lumpy_week() -> None:
    series = [0] * 24 + [6, 0, 0, 0]  # one order of 6 in four weeks
    assert rate(series) == pytest.approx(6 / 28)  # Croston: (6 per sale) / (28 days per sale)
    # The same SKU judged by its last week alone would look four times busier.
    assert rate(series) < 6 / 7 / 2


def test_sold_on_most_days_is_regular_and_on_few_days_is_intermittent() -> None:
    regular = [0, 3, 3, 3] * 7  # sold on 21 of 28 days: average interval 1.33 > 1.32, just intermittent
    assert rate(regular) == pytest.approx(63 / 28)
    busier = [0] + [3] * 27  # sold on 27 of 28 days: regular, blended
    assert rate(busier) == pytest.approx((81 / 28 + 21 / 7) / 2)


def test_a_sku_that_did_not_sell_has_no_demand() -> None:
    assert rate([0] * 28) == 0.0


def test_a_new_product_is_measured_over_the_days_it_existed() -> None:
    assert rate([10] * 5, observed=5) == pytest.approx(10.0)  # not 50 / 28


def test_the_rollup_is_read_over_whole_days_before_today(session: Session) -> None:
    store = add(session, m.Store)
    product = add(session, m.Product, store_id=store.id)
    old, new, silent = (add(session, m.Sku, product_id=product.id, sku=f"S{i}") for i in range(3))

    def sold(sku: m.Sku, day: date, units: int) -> None:
        add(
            session,
            m.SkuSalesDaily,
            store_id=store.id,
            sku_id=sku.id,
            day=day,
            units=units,
            revenue=Decimal(units * 25),
            orders=1,
        )

    for k in range(1, 29):
        sold(old, TODAY - timedelta(days=k), 4)
    sold(old, TODAY, 500)  # today is partial: left out
    sold(old, TODAY - timedelta(days=29), 500)  # before the look-back: left out
    for k in range(1, 4):
        sold(new, TODAY - timedelta(days=k), 9)
    demand = sku_demand(
        session=session,
        store_id=store.id,
        today=TODAY,
        days=28,
        sku_ids=np.array([old.id, new.id, silent.id]),
        created_on=[date(2025, 1, 1), TODAY - timedelta(days=3), date(2025, 1, 1)],
    )
    assert demand.rate.tolist() == pytest.approx([4.0, 9.0, 0.0])
    assert demand.units.tolist() == [112, 27, 0]
    assert demand.revenue.tolist() == pytest.approx([112 * 25, 27 * 25, 0])


def test_another_stores_sales_do_not_count(session: Session) -> None:
    mine, theirs = add(session, m.Store), add(session, m.Store)
    product = add(session, m.Product, store_id=mine.id)
    sku = add(session, m.Sku, product_id=product.id, sku="X")
    add(
        session,
        m.SkuSalesDaily,
        store_id=theirs.id,
        sku_id=sku.id,
        day=TODAY - timedelta(days=1),
        units=70,
        revenue=Decimal(700),
        orders=7,
    )
    demand = sku_demand(
        session=session,
        store_id=mine.id,
        today=TODAY,
        days=28,
        sku_ids=np.array([sku.id]),
        created_on=[datetime(2025, 1, 1, tzinfo=UTC).date()],
    )
    assert demand.rate.tolist() == [0.0]
