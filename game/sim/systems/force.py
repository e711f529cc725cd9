"""Force: the muscle's force now (sum over fibres, weighted by fibre size), smoothed the way the patient's
eyelid or limb shows it. Reads: Contractile, Clock, Model. Writes: Contractile.smoothed.
"""
from __future__ import annotations

import math

import esper

from game.sim.components import Contractile, Model
from game.sim.systems._access import single


class ForceSystem(esper.Processor):
    def process(self, dt_s: float) -> None:
        c = single(Contractile)
        now = float(c.force @ c.weight)
        k = 1.0 - math.exp(-dt_s / single(Model).params.clinical.force_smoothing_s) if dt_s > 0 else 0.0
        c.smoothed += (now - c.smoothed) * k
