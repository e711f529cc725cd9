"""CSV cells a spreadsheet cannot run as formulas (for the teacher's report and the class server).

A spreadsheet runs a cell as a formula when it starts with = + - @ (and some strip a leading tab or carriage
return first). A nickname can also carry a formula past the start of its cell: a program that splits on
`;` (or `,` or tab) instead of honouring quotes opens `x;=cmd|...` as two cells, the second a formula.
So `safe_text` puts an apostrophe before any formula start at the beginning of the text and right after
any of those separators (and line breaks), and the writer quotes every text cell.
"""
from __future__ import annotations

import csv
import re
from typing import Any, Iterable, TextIO

__all__ = ["FORMULA_STARTS", "SEPARATORS", "safe_text", "writer", "write_rows"]

# Also the full-width forms and the minus sign: some spreadsheets fold them to = + - @ (NFKC).
FORMULA_STARTS = "=+-@\t\r\u2212\uff1d\uff0b\uff0d\uff20"
SEPARATORS = ",;\t\r\n"
_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][ ]*)([=+\-@\u2212\uff1d\uff0b\uff0d\uff20])")


def safe_text(value: object) -> str:
    """`value` as text that no spreadsheet reads as a formula (an apostrophe marks the neutralised starts)."""
    text = "" if value is None else str(value)
    text = _AFTER_SEPARATOR.sub(r"\1'\2", text)
    if text[:1] in FORMULA_STARTS and text:
        text = "'" + text
    return text


class _Writer:
    def __init__(self, fh: TextIO) -> None:
        self._w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        cells = []
        for v in row:
            if isinstance(v, bool):
                cells.append(int(v))
            elif isinstance(v, (int, float)):
                cells.append(v)
            else:
                cells.append(safe_text(v))
        self._w.writerow(cells)


def writer(fh: TextIO) -> _Writer:
    """A CSV writer that quotes every text cell and neutralises formula starts; numbers stay numbers."""
    return _Writer(fh)


def write_rows(fh: TextIO, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> int:
    w = writer(fh)
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow(row)
        n += 1
    return n
