"""Template filters that turn tile figures, money and times into what a manager reads at 9 AM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment

from hotdash.tiles.format import format_value
from hotdash.tiles.registry import TILES
from hotdash.tiles.schemas import Chart, Figure, Status, Trend, Unit

STATUS_LABELS = {
    Status.ok: "OK",
    Status.watch: "Watch",
    Status.warning: "Warning",
    Status.critical: "Critical",
}

Mood = Literal["good", "bad", "flat", "none"]


@dataclass(frozen=True, slots=True)
class TrendView:
    """A trend as shown: arrow, signed percentage, and whether the move is good news."""

    arrow: str
    text: str
    mood: Mood
    previous: str

    @property
    def verdict(self) -> str:
        """Say in words what the colour says, for screen readers and colour-blind readers."""
        return {"good": "better", "bad": "worse", "flat": "no change", "none": "no comparison"}[self.mood]


def status_label(status: Status | str) -> str:
    """Return the text that goes with a status colour."""
    return STATUS_LABELS[Status(status)]


def money(value: Decimal | float | None, currency: str) -> str:
    """Format an amount in the store's currency, with thousands separators."""
    if value is None:
        return "—"
    return format_value(float(value), "money", currency)


def figure_value(figure: Figure, currency: str) -> str:
    """Format a figure's value for its unit."""
    if figure.value is None:
        return "—"
    return format_value(figure.value, figure.unit, currency)


def trend_view(trend: Trend | None, figure: Figure, currency: str) -> TrendView:
    """Describe a trend; its colour follows the figure's `better` direction."""
    if trend is None or trend.change_pct is None:
        previous = "—" if trend is None else _previous(trend, figure.unit, currency)
        return TrendView(arrow="", text="n/a", mood="none", previous=previous)
    change = trend.change_pct
    previous = _previous(trend, figure.unit, currency)
    if round(change, 1) == 0:
        return TrendView(arrow="→", text="0.0%", mood="flat", previous=previous)
    arrow = "▲" if change > 0 else "▼"
    mood: Mood = "flat"
    if figure.better != "neither":
        improved = (change > 0) == (figure.better == "up")
        mood = "good" if improved else "bad"
    return TrendView(arrow=arrow, text=f"{change:+.1f}%", mood=mood, previous=previous)


def _previous(trend: Trend, unit: Unit, currency: str) -> str:
    return "—" if trend.previous is None else format_value(trend.previous, unit, currency)


def clock_time(value: datetime | None, zone: str) -> str:
    """Format a moment as the store's wall-clock time of day, e.g. "10:32 EST"."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%H:%M} {local.tzname()}"


def short_time(value: datetime | None, zone: str) -> str:
    """Format a moment in the store's timezone without the year, e.g. "Nov 21 14:05"."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%b %d %H:%M}"


def chart_payload(chart: Chart, currency: str) -> dict[str, Any]:
    """Return what `hotdash.js` needs to draw a chart; it reaches the page through `|tojson`."""
    return {"currency": currency, **chart.model_dump(mode="json")}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """Return "1 order" or "3 orders", with the count grouped."""
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def register(env: Environment) -> None:
    """Make these filters available to every template."""
    env.filters["status_label"] = status_label
    env.filters["money"] = money
    env.filters["figure_value"] = figure_value
    env.filters["clock_time"] = clock_time
    env.filters["short_time"] = short_time
    env.filters["plural"] = plural
    env.globals["trend_view"] = trend_view
    env.globals["chart_payload"] = chart_payload
    # Detection and rule pages name the tile a rule feeds; detection knows nothing of tiles, so the title
    # comes from here.
    env.globals["tile_titles"] = {name: spec.title for name, spec in TILES.items()}
