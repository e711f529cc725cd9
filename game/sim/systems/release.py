"""Release: quantal exocytosis from each fibre's readily releasable pool (RRP), and its refilling.

Evoked: quanta ~ Binomial(RRP, p) per fibre per impulse. Between impulses the RRP refills toward its
capacity (τ shortened by activity-driven mobilisation; the capacity enlarged by post-tetanic potentiation), drawing on a shared reserve store that is slowly
restored (minutes): the store is what post-activation exhaustion runs down. Spontaneous release
(MEPPs) is drawn for the focus junction only (the population's pools are not affected by it).
Reads: Nerve.impulses, VesiclePools, CalciumEntry.potentiation, Model. Writes: ImpulseRecord.quanta, VesiclePools,
VesiclePools.spontaneous_s (this step's MEPP times at the focus junction).
"""
from __future__ import annotations

import math

import esper
import numpy as np

from game.sim.components import CalciumEntry, Clock, Model, Nerve, VesiclePools
from game.sim.systems._access import single

MEPP_MAX_STEP_S = 1.0


def refill_to(pools: VesiclePools, pre, t_s: float, potentiation: float) -> None:
    dt = t_s - pools.t_s
    if dt <= 0:
        return
    before = pools.rrp.mean()
    # the pool refills toward its capacity, scaled by the reserve left and enlarged by potentiation;
    # the reserve recovers toward full and refilling draws on it
    target = pools.rrp_capacity * (pools.reserve * (1.0 + potentiation))
    k = (1.0 + pools.mobilisation) / pre.refill_tau_s
    pools.rrp = target - (target - pools.rrp) * math.exp(-k * dt)
    drawn = max(0.0, pools.rrp.mean() - before)
    pools.reserve = max(0.0, pools.reserve - drawn / pre.reserve_quanta)
    pools.reserve = 1.0 - (1.0 - pools.reserve) * math.exp(-dt / pre.reserve_recovery_tau_s)
    pools.mobilisation *= math.exp(-dt / pre.mobilisation_tau_s)
    pools.t_s = t_s


class ReleaseSystem(esper.Processor):
    def process(self, dt_s: float) -> None:
        pools = single(VesiclePools)
        model = single(Model)
        pre = model.params.presynaptic
        rng = model.rng_release
        ptp = single(CalciumEntry).potentiation
        for r in single(Nerve).impulses:
            refill_to(pools, pre, r.t_s, ptp)
            k = rng.binomial(pools.rrp.astype(np.int64), r.p_release)
            pools.rrp = pools.rrp - k
            r.quanta = k
            pools.mobilisation += pre.mobilisation_per_impulse * (pre.mobilisation_max - pools.mobilisation)
        t0 = single(Clock).t_s
        refill_to(pools, pre, t0 + dt_s, ptp)
        # spontaneous quanta at the focus junction (only for steps short enough for anyone to watch them)
        if dt_s > MEPP_MAX_STEP_S:
            pools.spontaneous_s = []
            return
        f = model.params.focus_fiber
        rate = pre.mepp_rate_per_s * pools.rrp[f] / pools.rrp_capacity[f]
        n = model.rng_mepp.poisson(rate * dt_s) if dt_s > 0 else 0
        pools.spontaneous_s = sorted((t0 + model.rng_mepp.random(n) * dt_s).tolist()) if n else []
