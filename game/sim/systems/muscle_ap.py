"""Muscle action potential: all-or-none in each fibre whose EPP (on top of any sustained depolarisation)
reaches the depolarisation its threshold needs; the CMAP sums the fibres that fired.

Reads: Nerve.impulses (epp, sustained, needed), Sarcolemma. Writes: ImpulseRecord.fired/cmap_mV,
Sarcolemma.last_fired.
"""
from __future__ import annotations


from game.sim.components import Nerve, Sarcolemma
from game.sim.systems._access import System, single


class MuscleAPSystem(System):
    def process(self, dt_s: float) -> None:
        sl = self.c(Sarcolemma)
        for r in self.c(Nerve).impulses:
            fired = (r.epp_mV if r.sustained_mV is None else r.epp_mV + r.sustained_mV) >= r.needed_mV
            r.fired = fired
            r.cmap_mV = float(sl.cmap_weight_mV @ fired)
            sl.last_fired = fired
