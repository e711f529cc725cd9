"""Release: quantal exocytosis from each fibre's readily releasable pool (RRP), and its refilling.

Evoked: quanta ~ Binomial(RRP, p) per fibre per impulse. Between impulses the RRP refills toward its
capacity (faster with activity-driven mobilisation, slower as the reserve that supplies it runs low; the
capacity enlarged by post-tetanic potentiation), drawing on a shared reserve store that is slowly
restored (minutes): the store is what post-activation exhaustion runs down. Spontaneous release
(MEPPs) is drawn for the focus junction only (the population's pools are not affected by it).
Reads: Nerve.impulses, VesiclePools, CalciumEntry.potentiation, Model. Writes: ImpulseRecord.quanta, VesiclePools,
VesiclePools.spontaneous_s (this step's MEPP times at the focus junction).
"""
from __future__ import annotations

import math

import numpy as np

from game.sim.components import CalciumEntry, Clock, Model, Nerve, VesiclePools
from game.sim.systems._access import System, single

MEPP_MAX_STEP_S = 1.0
NORMAL_APPROX_MIN_QUANTA = 20.0


def draw_quanta(rng: np.random.Generator, rrp: np.ndarray, p: float, normals: "NormalBuffer") -> np.ndarray:
    """Quanta released per fibre: Binomial(RRP, p). Where every fibre expects many quanta and few are left
    behind, the normal approximation with the same mean and variance is used (several times faster; the
    difference is far below the fibre-to-fibre spread)."""
    mean = rrp * p
    if p < 0.5 and mean.min() >= NORMAL_APPROX_MIN_QUANTA:
        k = np.rint(mean + np.sqrt(mean * (1.0 - p)) * normals.next(rng, len(rrp)))
        np.maximum(k, 0.0, out=k)
        return np.minimum(k, rrp, out=k)
    return rng.binomial(rrp.astype(np.int64), p).astype(float)


class NormalBuffer:
    """Standard normal deviates drawn a block at a time and handed out one row per impulse (the order of
    use is the order of impulses, so results still do not depend on the step size)."""

    BLOCK = 64

    def __init__(self) -> None:
        self.rows: np.ndarray | None = None
        self.i = 0

    def next(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.rows is None or self.i >= len(self.rows) or self.rows.shape[1] != n:
            self.rows = rng.standard_normal((self.BLOCK, n))
            self.i = 0
        row = self.rows[self.i]
        self.i += 1
        return row


def refill_to(pools: VesiclePools, pre, t_s: float, potentiation: float) -> None:
    dt = t_s - pools.t_s
    if dt <= 0:
        return
    # the pool refills toward its capacity, scaled by the reserve left and enlarged by potentiation;
    # the reserve recovers toward full and refilling draws on it
    # (potentiation is masked while the nerve fires fast: it shows once the impulses pause)
    quiet = 1.0 - math.exp(-(t_s - pools.last_impulse_s) / pre.potentiation_unmask_tau_s)
    target = pools.rrp_capacity * (pools.reserve * (1.0 + potentiation * quiet))
    # exact integral of the refill rate (1 + M(t))·S/τ, M decaying exponentially meanwhile
    rate_integral = dt + pools.mobilisation * pre.mobilisation_tau_s * (1.0 - math.exp(-dt / pre.mobilisation_tau_s))
    e = math.exp(-rate_integral * pools.reserve ** pre.refill_reserve_exponent / pre.refill_tau_s)
    gap = target - pools.rrp
    pools.rrp = target - gap * e
    drawn = max(0.0, float(gap.sum()) * (1.0 - e) / len(gap))
    pools.reserve = max(0.0, pools.reserve - drawn / pre.reserve_quanta)
    pools.reserve = 1.0 - (1.0 - pools.reserve) * math.exp(-dt / pre.reserve_recovery_tau_s)
    pools.mobilisation *= math.exp(-dt / pre.mobilisation_tau_s)
    pools.t_s = t_s


class ReleaseSystem(System):
    def process(self, dt_s: float) -> None:
        pools = self.c(VesiclePools)
        model = self.c(Model)
        pre = model.params.presynaptic
        rng = model.rng_release
        ptp = self.c(CalciumEntry).potentiation
        for r in self.c(Nerve).impulses:
            refill_to(pools, pre, r.t_s, ptp)
            k = draw_quanta(rng, pools.rrp, r.p_release, pools.normals)
            pools.rrp = pools.rrp - k
            pools.last_impulse_s = r.t_s
            r.quanta = k
            pools.mobilisation += pre.mobilisation_per_impulse * (pre.mobilisation_max - pools.mobilisation)
        t0 = self.c(Clock).t_s
        # spontaneous quanta at the focus junction (only for steps short enough for anyone to watch them)
        if dt_s > MEPP_MAX_STEP_S:
            pools.spontaneous_s = []
            return
        f = model.params.focus_fiber
        rate = pre.mepp_rate_per_s * pools.rrp[f] / pools.rrp_capacity[f]
        n = model.rng_mepp.poisson(rate * dt_s) if dt_s > 0 else 0
        pools.spontaneous_s = sorted((t0 + model.rng_mepp.random(n) * dt_s).tolist()) if n else []
