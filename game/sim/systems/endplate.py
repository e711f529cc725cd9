"""End plate: the end-plate current of all released quanta charges the membrane → end-plate potential.

EPP = V_lin/(1 + V_lin/driving force), V_lin = quanta × quantal potential (non-linear summation toward the
ACh reversal potential). ACh that AChE does not clear leaves a sustained depolarisation that decays
slowly when AChE is blocked; it inactivates the end-plate Na+ channels, which raises the depolarisation
needed for an action potential (depolarisation block, the cholinergic crisis). Complement damage to the
folds removes Na+ channels too (MG). Spontaneous quanta at the focus junction become MEPP events.
Reads: Nerve.impulses, Endplate, Receptors, VesiclePools.spontaneous_s, Cleft, Model.
Writes: ImpulseBlock.epp_mV/needed_mV, ImpulseRecord.sustained_mV/na_available/needed_mV (on a sustained
depolarisation), Endplate.residual_mV, Inbox.events (MeppEvent).
"""
from __future__ import annotations

import math

import numpy as np

from game.sim.components import Cleft, Clock, Endplate, Inbox, Model, Nerve, Receptors, VesiclePools
from game.sim.events import MeppEvent
from game.sim.kinetics import martin
from game.sim.laws import na_available, needed_mV, residual_share, residual_tau_ms
from game.sim.systems._access import System, single


RESIDUAL_NEGLIGIBLE = 1e-6     # residual shares below this are not tracked (AChE clears ACh)
RESIDUAL_FORGET_MV = 1e-3      # a sustained depolarisation below this is treated as none


def decay_residual_to(ep: Endplate, tau_ms: float, t_s: float) -> None:
    dt = t_s - ep.t_s
    if dt > 0:
        if ep.any_residual:
            ep.residual_mV *= math.exp(-dt * 1000.0 / tau_ms)
            if ep.residual_mV.max() < RESIDUAL_FORGET_MV:
                ep.residual_mV[:] = 0.0
                ep.any_residual = False
        ep.t_s = t_s


def _martin(v_lin_mV: np.ndarray, driving_force_mV: float, out: np.ndarray | None = None) -> np.ndarray:
    """kinetics.martin for an array and one driving force, in one new array (or `out`): v/(1 + v/df) with the
    same operations."""
    out = _div(v_lin_mV, driving_force_mV, out)
    _add(out, _ONE, out)
    return _div(v_lin_mV, out, out)


_div, _add = np.divide, np.add
_ONE = np.array(1.0)      # 0-d arrays: the same arithmetic as with floats, but ufuncs take them faster
_ONE.setflags(write=False)


class EndplateSystem(System):
    def process(self, dt_s: float) -> None:
        model = self.c(Model)
        mem = model.params.membrane
        activity = self.c(Cleft).activity
        df = mem.ach_reversal_mV - mem.resting_potential_mV
        blocks = self.c(Nerve).blocks
        if blocks:
            self.evoked(blocks, mem, activity, df)
        self.spontaneous(model, df, activity)

    def evoked(self, blocks: list, mem, activity: float, df: float) -> None:
        """The EPP of each of this step's impulses (and the sustained depolarisation they leave)."""
        ep = self.c(Endplate)
        tau_res = residual_tau_ms(mem, activity)
        share = residual_share(mem, activity)
        df_0d = np.array(df)
        needed_intact = self.needed_intact(mem, ep)
        for b in blocks:
            records = b.records
            b.needed_mV = needed_intact       # impulses on no sustained depolarisation (the others get their own)
            if not ep.any_residual and share <= RESIDUAL_NEGLIGIBLE:
                # no sustained depolarisation before or during the block (AChE clears the ACh): every EPP is
                # independent of the others, so the whole block is one computation
                b.epp_mV = _martin(b.v_lin_mV, df_0d)
                if records[-1].t_s > ep.t_s:    # = decay_residual_to at each impulse (nothing to decay)
                    ep.t_s = records[-1].t_s
                continue
            epp = b.epp_mV = np.empty_like(b.v_lin_mV)
            for r, e, v_lin in zip(records, epp, b.v_lin_mV):
                decay_residual_to(ep, tau_res, r.t_s)
                if ep.any_residual:
                    sustained = ep.residual_mV.copy()
                    h = na_available(mem, sustained)
                    e[...] = martin(v_lin, df - sustained)
                    r.sustained_mV = sustained
                    b.any_sustained = True
                    r.na_available = h
                    r.needed_mV = needed_intact / np.maximum(h, 1e-3)
                else:
                    _martin(v_lin, df_0d, e)
                if share > RESIDUAL_NEGLIGIBLE:
                    ep.residual_mV += share * e
                    ep.any_residual = True

    def needed_intact(self, mem, ep: Endplate) -> np.ndarray:
        """laws.needed_mV for the end plate as it is (read-only; cached while the fold damage stays the same:
        it changes with the immune state, over minutes)."""
        key = (mem, id(ep.gap_mV), ep.fold_damage, id(ep.fold_scale))
        if key != getattr(self, "_needed_key", None):
            needed = needed_mV(mem, ep.gap_mV, ep.fold_damage, ep.fold_scale)
            needed.setflags(write=False)
            self._needed, self._needed_key = needed, key
        return self._needed

    def spontaneous(self, model: Model, df: float, activity: float) -> None:
        pools = self.c(VesiclePools)
        if not pools.spontaneous_s:
            return
        f = model.params.focus_fiber
        a = self.c(Receptors).functional()[f]
        v_lin, tau, _ = model.table.lookup(a, activity)
        cv = model.params.presynaptic.mepp_size_cv
        sizes = model.rng_mepp.lognormal(-0.5 * math.log1p(cv * cv), math.sqrt(math.log1p(cv * cv)), len(pools.spontaneous_s))
        sustained = self.c(Endplate).residual_mV[f]
        events = self.c(Inbox).events
        for t, s in zip(pools.spontaneous_s, sizes):
            events.append(MeppEvent(t, float(martin(v_lin * s, df - sustained)), float(tau)))
