"""One pydantic validation error as the one line a user reads: the field's dotted path and the message."""
from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

# what ends a line for str.splitlines(), each written as its escape
_LINE_ENDS = {c: f"\\u{c:04x}" for c in (0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}
_LINE_ENDS.update({0x0A: "\\n", 0x0D: "\\r"})


def one_line(text: str) -> str:
    """`text` with every line break written as its escape (a newline as \\n): a field name or value a user typed
    cannot split a one-line message."""
    return text.translate(_LINE_ENDS)


def shown(value: Any, limit: int = 40) -> str:
    """A refused value in a one-line message: a string quoted as JSON writes it, anything else as str() does; one
    line, shortened to `limit` characters."""
    return one_line(json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value))[:limit]


def first_error(err: ValidationError, default: str = "") -> tuple[str, str, int]:
    """(dotted field path or `default`, message, number of further errors) of the first problem in `err`, each in
    one line."""
    errors = err.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or default
    return one_line(where), one_line(first.get("msg", "invalid")), len(errors) - 1
