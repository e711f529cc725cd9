"""Limits the model enforces, in one place, so every front end (command line, level schema) uses the same.

`check_spec` (game.sim.world) refuses a spec outside these; the command-line options take their ranges
from here, so an option never accepts what the model would refuse.
"""
from __future__ import annotations

SEED_MIN = 1                      # seeds 1..2^31-1: every command, replays, autosaves (0 and negatives refused)
SEED_MAX = 2**31 - 1
FIBERS_MIN = 1
FIBERS_MAX = 50000                # fibres the model will build (a large human limb muscle has tens of thousands;
                                  # the lab's LEMS preparation uses 20,000; levels allow at most 1000)
# Model work a level may ask for: fibres × impulses the muscle is driven with during its tasks. 3.6e8
# (a one-hour task at 100 Hz with 1000 fibres) took check-level about a minute; this bound keeps a whole
# level's model work to a few seconds of compute (campaign levels need at most ~2.2e6).
MAX_FIBRE_IMPULSES = 5e7


def check_seed(value: object, name: str = "seed") -> int:
    """The seed as an int, or ValueError naming `name` and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not SEED_MIN <= value <= SEED_MAX:
        raise ValueError(f"{name}: expected a whole number from {SEED_MIN} to {SEED_MAX}, got {value!r:.40}")
    return value


# The lab protocols (game.sim.experiments) by name and their default muscle size, here so that the command line
# can offer them without importing the model (numpy and the systems take a while to load).
LAB_FIBERS = 2000   # default muscle size of the lab protocols: enough fibres for a smooth CMAP (the game uses fewer)
# Lambert-Eaton: at rest only about one fibre in four fires, each near threshold, so the CMAP of a few thousand
# fibres jumps from shock to shock (3 Hz swings up to 6% of its small first response at 2000 fibres, 3.3% at
# 10,000). A real limb muscle has tens of thousands of fibres; the lab gives LEMS 20,000 (worst 3 Hz swing 1.7%
# at seeds 1-7; 0.7% at 40,000, which the interactive bench cannot draw at 60 frames a second).
LAB_FIBERS_BY_CONDITION = {"lems": 20000}
PROTOCOLS = ("rns", "mepp", "epp", "calcium", "exercise", "dose", "immune", "increment", "ice-pack")


def lab_fibers(condition: str) -> int:
    """The lab protocols' default muscle size for a condition."""
    return LAB_FIBERS_BY_CONDITION.get(condition, LAB_FIBERS)
