"""A bounded memo: values made from their key on first use and kept.

The model's per-impulse stages need quantities that depend only on the length of the interval since the last
impulse (decay factors, chain steps); a train's intervals take a handful of float values, so each stage keeps
them by interval instead of recomputing exponentials at every impulse. Reading one is a plain dict lookup.
"""
from __future__ import annotations

from typing import Any, Callable


class Memo(dict):
    """`memo[key]` is `make(key)`, made on first use and kept; at most `limit` are kept (then it starts over)."""

    __slots__ = ("make", "limit")

    def __init__(self, make: Callable[[Any], Any], limit: int) -> None:
        super().__init__()
        self.make = make
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.make(key)
        return value
