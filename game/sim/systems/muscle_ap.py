"""Muscle action potential: all-or-none in each fibre whose EPP (on top of any sustained depolarisation)
reaches the depolarisation its threshold needs; the CMAP sums the fibres that fired.

A fibre fires again from the same shock when the end-plate current outlasts its AP: with AChE well blocked the
EPC decays slowly, and what is left of the EPP after the refractory period can reach the (raised) threshold
again (the repetitive CMAP of AChE-inhibitor excess).
Reads: Nerve.blocks (epp, needed, tau; sustained and needed per record), Sarcolemma, Model. Writes: ImpulseBlock.fired/
fired01, ImpulseRecord.cmap_mV/repetitive/repetitive_fraction, Sarcolemma.last_fired.
"""
from __future__ import annotations

import numpy as np

from game.sim.components import Model, Nerve, Sarcolemma
from game.sim.systems._access import System, single
from game.sim.systems.receptors import REPETITIVE_BELOW_ACTIVITY


class MuscleAPSystem(System):
    def process(self, dt_s: float) -> None:
        blocks = self.c(Nerve).blocks
        if not blocks:
            return
        sl = self.c(Sarcolemma)
        mus = self.c(Model).params.muscle
        w_cmap = sl.cmap_weight_mV
        for b in blocks:
            records = b.records
            if not b.any_sustained:
                # no sustained depolarisation: every fibre compares its EPP with the same intact threshold, for the
                # whole block at once (the end plate gives all of them the same needed_mV array)
                fired = b.fired = _ge(b.epp_mV, b.needed_mV)
            else:
                fired = b.fired = np.empty(b.epp_mV.shape, dtype=bool)
                for r, epp, out in zip(records, b.epp_mV, fired):
                    depol = epp if r.sustained_mV is None else epp + r.sustained_mV
                    _ge(depol, b.needed_mV if r.needed_mV is None else r.needed_mV, out)
            fired01 = b.fired01 = fired.astype(np.float64)
            # the CMAP of every impulse of the block: one matrix-vector product (w_cmap @ fired per impulse; the sums
            # may differ from one dot product per impulse in the last digit)
            for r, cmap in zip(records, (fired01 @ w_cmap).tolist()):
                r.cmap_mV = cmap
            sl.last_fired = fired[-1]
            # a second AP from the same shock needs AChE well blocked (the same activity for every impulse of a step)
            if records[0].ache_activity < REPETITIVE_BELOW_ACTIVITY and b.tau_ms is not None:
                for r, epp, tau, fd in zip(records, b.epp_mV, b.tau_ms, fired):
                    left = epp * np.exp(-mus.refractory_ms / tau)
                    if r.sustained_mV is not None:
                        left = left + r.sustained_mV
                    needed = b.needed_mV if r.needed_mV is None else r.needed_mV
                    again = fd & (left >= needed * mus.refractory_threshold_factor)
                    n_again = int(np.count_nonzero(again))
                    if n_again:
                        r.repetitive = again
                        r.repetitive_fraction = n_again / len(again)


_ge = np.greater_equal
