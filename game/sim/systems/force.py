"""Force: brings the muscle's force up to the end of the step, so that the smoothed population force (the
way the patient's eyelid or limb shows it, a third linear stage after Ca2+ and cross-bridges) is current.
Exact between impulses, so it does not depend on the step size.
Reads: Contractile, Clock. Writes: Contractile (via ec_coupling.advance_to).
"""
from __future__ import annotations

from game.sim.components import Clock, Contractile
from game.sim.systems._access import System
from game.sim.systems.ec_coupling import advance_to


class ForceSystem(System):
    def process(self, dt_s: float) -> None:
        advance_to(self.c(Contractile), self.c(Clock).t_s + dt_s)
