"""Number formatting for traffic pages: unknown values render as an em dash, never as 0."""

from __future__ import annotations

from django import template

register = template.Library()
MINUS = "\u2212"  # typographic minus sign


@register.filter
def num(value: int | float | None) -> str:
    if value is None or value == "":
        return "—"
    return f"{value:,}"


@register.filter
def compact(value: int | None) -> str:
    """9999 → 9,999; 64382 → 64.4k; 2500000 → 2.5M (cards; the exact figure is in the title)."""
    if value is None:
        return "—"
    for threshold, divisor, suffix in ((1_000_000_000, 1_000_000_000, "B"), (1_000_000, 1_000_000, "M"),
                                       (10_000, 1_000, "k")):
        if abs(value) >= threshold:
            return f"{value / divisor:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,}"


@register.filter
def change_text(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "no change"
    sign = "+" if value > 0 else MINUS
    return f"{sign}{abs(value):g}%"


@register.filter
def change_class(value: float | None) -> str:
    if value is None or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


@register.filter
def csv_values(values: list[int | None]) -> str:
    """A sparkline's values for a data- attribute; empty items are gaps."""
    return ",".join("" if value is None else str(value) for value in values)
