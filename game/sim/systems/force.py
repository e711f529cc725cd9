"""Force: the muscle's force now (sum over fibres, weighted by fibre size), smoothed the way the patient's
eyelid or limb shows it. Reads: Contractile, Clock, Model. Writes: Contractile.smoothed.
"""
from __future__ import annotations

import math


from game.sim.components import Clock, Contractile, Model
from game.sim.systems.ec_coupling import advance_to
from game.sim.systems._access import System, single


class ForceSystem(System):
    def process(self, dt_s: float) -> None:
        c = self.c(Contractile)
        advance_to(c, self.c(Clock).t_s + dt_s)
        now = float(c.force @ c.weight)
        k = 1.0 - math.exp(-dt_s / self.c(Model).params.clinical.force_smoothing_s) if dt_s > 0 else 0.0
        c.smoothed += (now - c.smoothed) * k
