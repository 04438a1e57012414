"""A badge as shields.io's flat SVG, and as a shields.io endpoint JSON document."""

from __future__ import annotations

import hashlib
import json
from html import escape

from stats.badges.selectors import BadgeValue

HEIGHT = 20
PADDING = 10  # 5 px either side of the text, as shields draws it
# Verdana 11px advance widths (px), roughly: shields measures text the same way.
_NARROW = set("fijlrt.,:;!|'()[] ")
_WIDE = set("mwMW@%")
_UPPER_OR_DIGIT_EXTRA = 0.8


def text_width(text: str) -> int:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.9
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.0 + _UPPER_OR_DIGIT_EXTRA * (char.isupper())
        else:
            width += 6.6
    return round(width)


def badge_svg(value: BadgeValue) -> str:
    label, message = escape(value.label), escape(value.message)
    label_width = text_width(value.label) + PADDING
    message_width = text_width(value.message) + PADDING
    width = label_width + message_width
    title = f"{label}: {message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>'
        '<g clip-path="url(#r)">'
        f'<rect width="{label_width}" height="{HEIGHT}" fill="#555"/>'
        f'<rect x="{label_width}" width="{message_width}" height="{HEIGHT}" fill="{value.hex_color}"/>'
        f'<rect width="{width}" height="{HEIGHT}" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="11">'
        f'<text x="{label_width / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{label}</text>'
        f'<text x="{label_width / 2:.1f}" y="14">{label}</text>'
        f'<text x="{label_width + message_width / 2:.1f}" y="15" fill="#010101" fill-opacity=".3">{message}</text>'
        f'<text x="{label_width + message_width / 2:.1f}" y="14">{message}</text>'
        "</g></svg>"
    )


def badge_endpoint_json(value: BadgeValue, *, cache_seconds: int) -> str:
    """https://shields.io/badges/endpoint-badge: img.shields.io/endpoint?url=<this document's URL>."""
    return json.dumps({
        "schemaVersion": 1, "label": value.label, "message": value.message, "color": value.color,
        "cacheSeconds": cache_seconds,
    })


def badge_etag(value: BadgeValue, *, fmt: str) -> str:
    digest = hashlib.sha256(f"{fmt}|{value.metric}|{value.label}|{value.message}|{value.color}".encode()).hexdigest()
    return f'"{digest[:32]}"'
