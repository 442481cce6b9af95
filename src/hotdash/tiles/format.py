"""How figures read, shared by the terminal and the web pages."""

from __future__ import annotations

from hotdash.tiles.schemas import Trend, Unit

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


def format_value(value: float | None, unit: Unit, currency: str = "USD") -> str:
    """Return a figure as a person reads it: thousands separators, currency, one decimal for rates."""
    if value is None:
        return "-"
    if unit == "money":
        symbol = SYMBOLS.get(currency)
        amount = f"{abs(value):,.0f}" if abs(value) >= 10_000 else f"{abs(value):,.2f}"
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "minutes":
        return f"{value:,.1f} min"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "days":
        return f"{value:,.1f} d"
    if unit == "score":
        return f"{value:.2f}"
    if unit == "per_day":
        return f"{value:,.1f}/day"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_trend(trend: Trend | None) -> str:
    """Return a trend as a signed percentage, or a dash when there is nothing to compare with."""
    if trend is None or trend.change_pct is None:
        return "-"
    arrow = "▲" if trend.change_pct > 0 else ("▼" if trend.change_pct < 0 else "=")
    return f"{arrow} {trend.change_pct:+.1f}%"
