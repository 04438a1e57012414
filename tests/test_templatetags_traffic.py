from __future__ import annotations

from stats.templatetags.traffic import change_class, change_text, compact, csv_values, num


def test_it_formats_figures_for_cards_and_tables():
    assert [compact(v) for v in (None, 0, 9_999, 10_000, 64_382, 644_382, 2_500_000, 3_000_000_000)] == [
        "—", "0", "9,999", "10k", "64.4k", "644.4k", "2.5M", "3B",
    ]
    assert (num(None), num(0), num(1234567)) == ("—", "0", "1,234,567")
    assert (change_text(None), change_text(0), change_text(12.5), change_text(-3.0)) == (
        "—", "no change", "+12.5%", "\u22123%",
    )
    assert (change_class(None), change_class(1), change_class(-1)) == ("flat", "up", "down")
    assert csv_values([1, None, 3]) == "1,,3"
