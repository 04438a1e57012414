from __future__ import annotations

import csv
import io
from datetime import date

from common.csv import csv_text, safe_cell


def test_it_neutralises_formula_cells_but_not_numbers():
    assert [safe_cell(v) for v in ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "ok", "a=b"]] == [
        "'=1+1", "'+x", "'-x", "'@x", "'\tx", "'\rx", "ok", "a=b",
    ]
    assert (safe_cell(-5), safe_cell(None), safe_cell(date(2026, 1, 2)), safe_cell(True)) == (
        -5, "", "2026-01-02", "true",
    )


def test_it_quotes_separators_quotes_and_newlines():
    text = csv_text(["a", "b"], [['x,y', 'say "hi"'], ["line\nbreak", 3]])
    assert text.splitlines()[0] == "a,b"
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["x,y", 'say "hi"'], ["line\nbreak", "3"]]
    assert '"say ""hi"""' in text


def test_it_neutralises_formulas_behind_blanks_and_in_full_width_forms():
    hidden = [
        " =1+1", "  +x", "\n-x", "\u00a0@x", "\u3000=x", "\u200b=x", "\ufeff=x", "\x00=x", " \t=x",
        "\uff1d1+1", "\uff0bx", "\uff0dx", "\uff20SUM(A1)", " \uff1dx",
    ]
    assert [safe_cell(v) for v in hidden] == ["'" + v for v in hidden]
    harmless = ["a =b", "x\uff1dy", " ok", "\u3000text", "1-2", ""]
    assert [safe_cell(v) for v in harmless] == harmless
