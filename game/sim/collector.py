"""`paused()`: Python's cycle collector off for a stretch of work that makes many objects and no cyclic garbage.

The collector runs every 700 new containers and walks them looking for reference cycles. Importing numpy and
the model, running a lab protocol (impulse records, history rows) and printing its table make hundreds of
thousands of such objects and no cycle at all: refcounting frees them. A 10,000-pulse rns command saw about a
hundred collections (~15 ms of 0.4 s) and a two-year immune protocol over a second of them. Paused, peak memory
is the same (measured on rns, exercise, dose and immune). The collector is restored when the stretch ends, even
by an exception; a collector that was already off stays off, and nested pauses leave it to the outermost.
Objects that outlive the stretch are then treated as old ones (the oldest generation), as surviving collections
would have made them. As a decorator (`@paused()`), it pauses the collector for each call of the function.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["paused"]


@contextlib.contextmanager
def paused() -> Iterator[None]:
    if not gc.isenabled():
        yield
        return
    nothing_frozen = gc.get_freeze_count() == 0
    gc.disable()
    try:
        yield
    finally:
        # what the stretch made and kept joins the oldest generation without a walk (freeze moves every tracked
        # object to the permanent generation and zeroes the young generation's count, unfreeze moves them back
        # to the oldest): else the first allocation after enable() would start a collection of everything made
        # while paused (5 ms after importing numpy and the model), only to find nothing to free. Not when
        # something was frozen before: unfreeze would release it too
        if nothing_frozen:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
