"""JSON that every reader accepts: NaN and infinities (undefined values) become null.

Python's json module writes NaN and Infinity by default, which are not JSON. Every command that prints
JSON goes through `dumps`/`dump` here.
"""
from __future__ import annotations

import json
import math
from typing import Any, TextIO

__all__ = ["clean", "dump", "dumps"]


def clean(value: Any) -> Any:
    """A copy of `value` with every non-finite float replaced by None (tuples become lists)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):      # numpy scalars
        try:
            return clean(value.item())
        except (TypeError, ValueError):
            return str(value)
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    return json.dumps(clean(value), allow_nan=False, **kwargs)


def dump(value: Any, out: TextIO, **kwargs: Any) -> None:
    out.write(dumps(value, **kwargs))
