"""The data overview page (`/data`): what is loaded, per entity, store and date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hotdash.kernel.http.clock import now
from hotdash.kernel.http.pages import local_time, render_page
from hotdash.kernel.http.session import DbSession
from hotdash.store import service

router = APIRouter(include_in_schema=False)

# How often the summary block asks the server for a fresh copy (htmx `every` trigger).
SUMMARY_REFRESH = "30s"


@dataclass(frozen=True, slots=True)
class RangeRow:
    """One line of the date-range table, already formatted for the display timezone."""

    label: str
    first: str
    last: str
    first_iso: str
    last_iso: str


def _time_row(label: str, first: datetime | None, last: datetime | None, zone: str) -> RangeRow:
    return RangeRow(
        label=label,
        first=local_time(first, zone),
        last=local_time(last, zone),
        first_iso=first.isoformat() if first else "",
        last_iso=last.isoformat() if last else "",
    )


def _day_row(label: str, first: date | None, last: date | None) -> RangeRow:
    # Traffic days are already the store's local calendar days: converting them would shift them.
    return RangeRow(
        label=label,
        first=first.isoformat() if first else "—",
        last=last.isoformat() if last else "—",
        first_iso=first.isoformat() if first else "",
        last_iso=last.isoformat() if last else "",
    )


def summary_context(summary: service.DatasetSummary, now: datetime) -> dict[str, Any]:
    """Return what the summary template needs, with every time in the stores' timezone."""
    zone = summary.display_timezone
    span = summary.date_range
    ranges = [
        _time_row("Orders placed", span.orders.first, span.orders.last, zone),
        _time_row("Tickets created", span.tickets.first, span.tickets.last, zone),
        _day_row("Page traffic days", span.page_traffic.first, span.page_traffic.last),
    ]
    return {
        "summary": summary,
        "zone": zone,
        "ranges": ranges,
        "updated_at": local_time(now, zone),
        "refresh": SUMMARY_REFRESH,
    }


@router.get("/data", response_class=HTMLResponse, name="overview")
def overview(request: Request, session: DbSession) -> HTMLResponse:
    """Show what is loaded: counts per entity, the stores and the date range."""
    summary = service.dataset_summary(session=session)
    return render_page(request, "overview.html", summary_context(summary, now(request)))


@router.get("/partials/summary", response_class=HTMLResponse, name="summary_partial")
def summary_partial(request: Request, session: DbSession) -> HTMLResponse:
    """Return the summary block alone; the overview swaps it in every 30 s."""
    summary = service.dataset_summary(session=session)
    return render_page(request, "partials/summary.html", summary_context(summary, now(request)))
