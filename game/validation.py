"""One pydantic validation error as the one line a user reads: the field's dotted path and the message."""
from __future__ import annotations

from pydantic import ValidationError


def first_error(err: ValidationError, default: str = "") -> tuple[str, str, int]:
    """(dotted field path or `default`, message, number of further errors) of the first problem in `err`."""
    errors = err.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or default
    return where, first.get("msg", "invalid"), len(errors) - 1
