"""Tables of SKUs, landing pages and team members: records shown with figures computed in the database.

A SKU's selling rate comes from the Inventory tile's own demand model, so its cover here is the cover the
tile ranked it by. A page's weeks and a team member's month are grouped queries over all the rows asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from hotdash.kernel.tunables import load_tunables
from hotdash.store.demand import sku_demand
from hotdash.store.models import (
    InventoryLevel,
    PageTraffic,
    Sku,
    Supplier,
    TeamMember,
    Ticket,
)
from hotdash.tiles.pages.record_cells import Cell, Column, Ctx, RecordTable, num, text

# How far back a team member's figures and a page's traffic comparison look.
TEAM_DAYS = 30
PAGE_DAYS = 7


# --- SKUs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stock:
    available: int
    on_hand: int
    incoming: int
    per_day: float

    @property
    def cover_days(self) -> float | None:
        """Days the available stock lasts at the recent selling rate; None when it does not sell."""
        if self.per_day <= 0:
            return None
        return max(self.available, 0) / self.per_day


def demand_days(session: Session) -> int:
    """The look-back the inventory playbook measures velocity over."""
    return load_tunables(session=session).int("inventory.demand_days")


def stock_for(ctx: Ctx, sku_ids: set[int]) -> dict[int, Stock]:
    """Return stock and selling rate per SKU, in two grouped queries."""
    if not sku_ids:
        return {}
    levels = {
        sku_id: (int(available or 0), int(on_hand or 0), int(incoming or 0))
        for sku_id, available, on_hand, incoming in ctx.session.execute(
            select(
                InventoryLevel.sku_id,
                func.sum(InventoryLevel.available),
                func.sum(InventoryLevel.on_hand),
                func.sum(InventoryLevel.incoming),
            )
            .where(InventoryLevel.sku_id.in_(sku_ids))
            .group_by(InventoryLevel.sku_id)
        )
    }
    # The same demand model as the Inventory tile, so a SKU's cover here is the cover the tile ranked it by.
    ordered = sorted(sku_ids)
    created = dict(ctx.session.execute(select(Sku.id, Sku.created_at).where(Sku.id.in_(sku_ids))).all())
    tz = ctx.view.store_tz
    demand = sku_demand(
        session=ctx.session,
        store_id=ctx.view.store.id,
        today=ctx.now.astimezone(tz).date(),
        days=demand_days(ctx.session),
        sku_ids=np.array(ordered, dtype=np.int64),
        created_on=[created[i].astimezone(tz).date() if i in created else ctx.now.date() for i in ordered],
    )
    rates = dict(zip(ordered, (float(r) for r in demand.rate), strict=True))
    return {sku_id: Stock(*levels.get(sku_id, (0, 0, 0)), per_day=rates[sku_id]) for sku_id in sku_ids}


def sku_table(ctx: Ctx, skus: Sequence[Sku], title: str = "SKUs") -> RecordTable:
    """SKUs with stock, selling rate and days of cover."""
    stock = stock_for(ctx, {s.id for s in skus})
    suppliers = dict(
        ctx.session.execute(
            select(Supplier.id, Supplier.name).where(
                Supplier.id.in_({s.supplier_id for s in skus if s.supplier_id is not None})
            )
        ).all()
    )
    days = demand_days(ctx.session)
    urgent_cover = load_tunables(session=ctx.session)["inventory.p0_cover_days"]
    table = RecordTable(
        "sku",
        title,
        [
            Column("SKU"),
            Column("Title"),
            Column("Available", numeric=True),
            Column("Incoming", numeric=True),
            Column(f"Sells per day ({days} d)", numeric=True),
            Column("Cover (days)", numeric=True),
            Column("Supplier"),
        ],
        empty="No SKUs.",
    )
    for sku in skus:
        s = stock[sku.id]
        cover = s.cover_days
        table.rows.append(
            [
                Cell(sku.sku, href=ctx.link("sku", sku.id)),
                text(sku.title),
                num(s.available, flag="bad" if s.available <= 0 else None),
                num(s.incoming),
                num(s.per_day, 1),
                num(cover, 1, flag="bad" if cover is not None and cover < urgent_cover else None),
                Cell(suppliers[sku.supplier_id], href=ctx.link("supplier", sku.supplier_id))
                if sku.supplier_id in suppliers
                else text(None),
            ]
        )
    return table


# --- pages ----------------------------------------------------------------------------------------------


def page_sessions(ctx: Ctx, pages: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Return sessions per landing page in the last 7 complete local days and the 7 before, in one query.

    Today is left out, as on the SEO Content tile: its traffic is still coming in.
    """
    if not pages:
        return {}
    today = ctx.now.astimezone(ctx.view.store_tz).date()
    recent_start = today - timedelta(days=PAGE_DAYS)
    previous_start = recent_start - timedelta(days=PAGE_DAYS)
    recent = func.sum(case((PageTraffic.day >= recent_start, PageTraffic.sessions), else_=0))
    previous = func.sum(case((PageTraffic.day < recent_start, PageTraffic.sessions), else_=0))
    rows = ctx.session.execute(
        select(PageTraffic.landing_page, recent, previous)
        .where(
            PageTraffic.store_id == ctx.view.store.id,
            PageTraffic.landing_page.in_(set(pages)),
            PageTraffic.day >= previous_start,
            PageTraffic.day < today,
        )
        .group_by(PageTraffic.landing_page)
    )
    return {page: (int(r or 0), int(p or 0)) for page, r, p in rows}


def change_cell(current: float, previous: float) -> Cell:
    if previous == 0:
        return Cell("—", numeric=True)
    change = (current - previous) / previous * 100
    return Cell(f"{change:+.1f}%", numeric=True, flag="bad" if change < 0 else "good" if change > 0 else None)


def page_table(ctx: Ctx, rows: Sequence[PageTraffic], title: str = "Pages") -> RecordTable:
    """Landing pages with their sessions this week and last, and the change."""
    sessions = page_sessions(ctx, [r.landing_page for r in rows])
    table = RecordTable(
        "page",
        title,
        [
            Column("Landing page"),
            Column(f"Sessions, last {PAGE_DAYS} full days", numeric=True),
            Column(f"The {PAGE_DAYS} days before", numeric=True),
            Column("Change", numeric=True),
        ],
        empty="No pages.",
    )
    for row in rows:
        recent, previous = sessions.get(row.landing_page, (0, 0))
        table.rows.append(
            [
                Cell(row.landing_page, href=ctx.link("page", row.id)),
                num(recent),
                num(previous),
                change_cell(recent, previous),
            ]
        )
    return table


# --- team members ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberFigures:
    tickets: int
    solved: int
    escalated: int
    csat: float | None
    quality: float | None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.tickets * 100 if self.tickets else None


def member_figures(ctx: Ctx, member_ids: set[int]) -> dict[int, MemberFigures]:
    """Return each member's ticket figures over the last 30 days, in one grouped query."""
    if not member_ids:
        return {}
    since = ctx.now - timedelta(days=TEAM_DAYS)
    rows = ctx.session.execute(
        select(
            Ticket.assignee_id,
            func.count(Ticket.id),
            func.sum(case((Ticket.status.in_(("solved", "closed")), 1), else_=0)),
            func.sum(func.cast(Ticket.is_escalated, Integer)),
            func.avg(Ticket.csat),
            func.avg(Ticket.quality_score),
        )
        .where(Ticket.assignee_id.in_(member_ids), Ticket.created_at >= since, Ticket.created_at < ctx.now)
        .group_by(Ticket.assignee_id)
    )
    found = {
        member: MemberFigures(
            int(count),
            int(solved or 0),
            int(escalated or 0),
            float(csat) if csat is not None else None,
            float(quality) if quality is not None else None,
        )
        for member, count, solved, escalated, csat, quality in rows
        if member is not None
    }
    empty = MemberFigures(0, 0, 0, None, None)
    return {member: found.get(member, empty) for member in member_ids}


def team_table(ctx: Ctx, members: Sequence[TeamMember], title: str = "Team members") -> RecordTable:
    """Team members with their last 30 days of tickets, solve rate, escalations, CSAT and quality."""
    figures = member_figures(ctx, {m.id for m in members})
    table = RecordTable(
        "team_member",
        title,
        [
            Column("Name"),
            Column("Role"),
            Column("Team"),
            Column(f"Tickets ({TEAM_DAYS} d)", numeric=True),
            Column("Solved", numeric=True),
            Column("Escalation rate", numeric=True),
            Column("Avg CSAT", numeric=True),
            Column("Avg quality", numeric=True),
        ],
        empty="No team members.",
    )
    for member in members:
        f = figures[member.id]
        rate = f.escalation_rate
        target_rate = float(member.target_escalation_rate) * 100 if member.target_escalation_rate else None
        quality_target = float(member.target_quality) if member.target_quality else None
        table.rows.append(
            [
                Cell(member.name, href=ctx.link("team_member", member.id)),
                text(member.role),
                text(member.team),
                num(f.tickets),
                num(f.solved),
                Cell(
                    "—" if rate is None else f"{rate:.1f}%",
                    numeric=True,
                    flag="bad"
                    if rate is not None and target_rate is not None and rate > target_rate
                    else None,
                ),
                num(f.csat, 2),
                Cell(
                    "—" if f.quality is None else f"{f.quality * 100:.1f}%",
                    numeric=True,
                    flag="bad"
                    if f.quality is not None and quality_target is not None and f.quality < quality_target
                    else None,
                ),
            ]
        )
    return table
