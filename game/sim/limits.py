"""Limits the model enforces, in one place, so every front end (command line, level schema) uses the same.

`check_spec` (game.sim.world) refuses a spec outside these; the command-line options take their ranges
from here, so an option never accepts what the model would refuse.
"""
from __future__ import annotations

SEED_MIN = 1                      # seeds 1..2^31-1: every command, replays, autosaves (0 and negatives refused)
SEED_MAX = 2**31 - 1
FIBERS_MIN = 1
FIBERS_MAX = 50000                # fibres the model will build (a large human limb muscle has tens of thousands;
                                  # the lab's LEMS preparation uses 40,000; levels allow at most 1000)
# Model work a level may ask for: fibres × impulses the muscle is driven with during its tasks. 3.6e8
# (a one-hour task at 100 Hz with 1000 fibres) took check-level about a minute; this bound keeps a whole
# level's model work to a few seconds of compute (campaign levels need at most ~2.2e6).
MAX_FIBRE_IMPULSES = 5e7


def check_seed(value: object, name: str = "seed") -> int:
    """The seed as an int, or ValueError naming `name` and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not SEED_MIN <= value <= SEED_MAX:
        raise ValueError(f"{name}: expected a whole number from {SEED_MIN} to {SEED_MAX}, got {value!r:.40}")
    return value
