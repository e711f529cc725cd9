"""Muscle action potential: all-or-none in each fibre whose EPP (on top of any sustained depolarisation)
reaches the depolarisation its threshold needs; the CMAP sums the fibres that fired.

A fibre fires again from the same shock when the end-plate current outlasts its AP: with AChE well blocked the
EPC decays slowly, and what is left of the EPP after the refractory period can reach the (raised) threshold
again (the repetitive CMAP of AChE-inhibitor excess).
Reads: Nerve.impulses (epp, sustained, needed, tau), Sarcolemma, Model. Writes: ImpulseRecord.fired/cmap_mV/
repetitive/repetitive_fraction, Sarcolemma.last_fired.
"""
from __future__ import annotations

import numpy as np

from game.sim.components import Model, Nerve, Sarcolemma
from game.sim.systems._access import System, single
from game.sim.systems.receptors import REPETITIVE_BELOW_ACTIVITY


class MuscleAPSystem(System):
    def process(self, dt_s: float) -> None:
        sl = self.c(Sarcolemma)
        impulses = self.c(Nerve).impulses
        if not impulses:
            return
        mus = self.c(Model).params.muscle
        w_cmap = sl.cmap_weight_mV
        for r in impulses:
            depol = r.epp_mV if r.sustained_mV is None else r.epp_mV + r.sustained_mV
            fired = _ge(depol, r.needed_mV)
            r.fired = fired
            r.fired01 = f01 = fired.astype(np.float64)
            r.cmap_mV = float(w_cmap.dot(f01))     # = w_cmap @ fired (the same dot product, without the cast)
            sl.last_fired = fired
            if r.ache_activity < REPETITIVE_BELOW_ACTIVITY and r.tau_ms is not None:
                left = r.epp_mV * np.exp(-mus.refractory_ms / r.tau_ms)
                if r.sustained_mV is not None:
                    left = left + r.sustained_mV
                again = fired & (left >= r.needed_mV * mus.refractory_threshold_factor)
                n_again = int(np.count_nonzero(again))
                if n_again:
                    r.repetitive = again
                    r.repetitive_fraction = n_again / len(again)


_ge = np.greater_equal
