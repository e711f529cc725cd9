"""Release: quantal exocytosis from each fibre's readily releasable pool (RRP), and its refilling.

Evoked: quanta ~ Binomial(RRP·g, p) per fibre per impulse (g: post-tetanic potentiation primes more sites,
ImpulseRecord.release_gain; the pool is spent in proportion). Between impulses the empty sites refill:
slowly (τ of seconds) and, after each impulse, quickly by a Ca2+-dependent step (tens of ms), so that
refilling keeps pace with the firing rate; both slow down as the supply from the shared reserve store runs
low. The store is drained by refilling and restored over minutes; the supply follows it with a lag, which
is what post-activation exhaustion runs down. Spontaneous release (MEPPs) is drawn for the focus junction
only (the population's pools are not affected by it).
Reads: Nerve.impulses, VesiclePools, Model. Writes: ImpulseRecord.quanta, VesiclePools,
VesiclePools.spontaneous_s (this step's MEPP times at the focus junction).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from game.sim.laws import relay_per_input
from game.sim.memo import Memo
from game.sim.components import Clock, Model, Nerve, VesiclePools
from game.sim.systems._access import System, single
from game.sim.systems.calcium import P_CAP

MEPP_MAX_STEP_S = 1.0
NORMAL_APPROX_MIN_QUANTA = 3.0    # fibres expecting fewer quanta than this get the exact binomial draw
ROUNDING_MARGIN = 0.501           # a draw's rint(x) ≤ RRP wherever x ≤ RRP − this (0.5, and room for rounding)


# numbers go to the ufuncs as 0-d float64 arrays: the same arithmetic, but ufuncs take them faster than a float;
# the per-impulse ones are written into 0-d scratch arrays (NormalBuffer.p, ...), cheaper than np.array(x)
_sum = np.add.reduce
try:   # np.count_nonzero without its Python wrapper (same function, same result)
    from numpy._core._multiarray_umath import count_nonzero as _count
except ImportError:  # pragma: no cover - older numpy
    _count = np.count_nonzero
_mul, _add, _sub, _div, _sqrt, _rint, _maximum, _minimum, _less = (np.multiply, np.add, np.subtract, np.divide, np.sqrt,
                                                                   np.rint, np.maximum, np.minimum, np.less)
try:   # np.clip's ufunc (min(max(k, 0), RRP) in one call: the same values as maximum then minimum)
    from numpy._core.umath import clip as _clip
except ImportError:  # pragma: no cover - older numpy
    def _clip(a, lo, hi, out):
        _maximum(a, lo, out=out)
        return _minimum(out, hi, out=out)
_MIN_QUANTA = np.array(NORMAL_APPROX_MIN_QUANTA)
_MIN_QUANTA.setflags(write=False)


def upper_bound_can_bind(p: float, z_max: float) -> bool:
    """Whether a normal-path draw at release probability p, with deviates no larger than z_max, could exceed its
    fibre's primed sites (see NormalBuffer.z_max); when not, the draw needs only its floor at 0."""
    q = 1.0 - p
    return NORMAL_APPROX_MIN_QUANTA * q / p - z_max * math.sqrt(NORMAL_APPROX_MIN_QUANTA * q) < ROUNDING_MARGIN


class NormalBuffer:
    """Release's working memory. Standard normal deviates drawn a block at a time and handed out one row per
    impulse that uses the normal approximation (the order of use is the order of impulses, so results do not
    depend on the step size). The block is drawn in float32 (cheaper) and held as float64 (exact), so that using
    a row needs no conversion. Also the draw's scratch arrays and 0-d numbers, reused from impulse to impulse
    instead of made anew."""

    BLOCK = 64

    def __init__(self) -> None:
        self.rows: np.ndarray | None = None
        self.i = self.BLOCK                     # the next row to use (BLOCK: none left, draw a block)
        self.zeros: np.ndarray | None = None    # a row of zeros of the same length (the draw's floor)
        self.ones: np.ndarray | None = None     # and of ones (sums as dot products)
        # The largest deviate of the block. With M = NORMAL_APPROX_MIN_QUANTA, a fibre on the normal path has
        # u ≥ M/p primed sites (RRP·gain) and draws x = u·p + sqrt(u·p·q)·z; x ≤ u − c for every such u and every
        # z ≤ z_max holds when it holds at u = M/p (above it the margin only grows), i.e. when
        # M·q/p − z_max·sqrt(M·q) ≥ c (c = ROUNDING_MARGIN): then no draw exceeds its primed sites.
        self.z_max = 0.0
        self.mean: np.ndarray | None = None     # scratch: the expected quanta per fibre
        self.flags: np.ndarray | None = None    # scratch: fibres given the exact binomial draw
        self.p = np.array(0.0)                  # 0-d scratch numbers: gain × release probability, 1 − p, and
        self.q = np.array(0.0)                  # the refilling's decay of the gap
        self.e = np.array(0.0)

    def resize(self, n: int) -> np.ndarray:
        """The scratch arrays for n fibres; returns `mean`."""
        self.mean = np.empty(n)
        self.flags = np.empty(n, dtype=bool)
        return self.mean

    def refresh(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """A new block of deviates for n fibres (the next row to use is rows[0])."""
        rows = self.rows = rng.standard_normal((self.BLOCK, n), dtype=np.float32).astype(np.float64)
        if self.zeros is None or len(self.zeros) != n:
            self.zeros, self.ones = np.zeros(n), np.ones(n)
        self.z_max = float(rows.max())
        self.i = 0
        return rows


def interval_factors(pre, dt: float) -> tuple:
    """What refill_factor needs that depends only on the interval's length: the decays of mobilisation, of the
    fast refilling, of the reserve's and the supply's deficits, the supply lag's coefficient (laws.relay) and the
    parts of the refilling integral that are fixed for the interval. A train's intervals repeat (a handful of
    distinct float values), so ReleaseSystem keeps them by length instead of recomputing them at every impulse."""
    m = math.exp(-dt / pre.mobilisation_tau_s)
    decay = math.exp(-dt / pre.refill_fast_tau_s)
    return (dt / pre.refill_tau_s, m, pre.mobilisation_tau_s * (1.0 - m) / pre.refill_tau_s, decay,
            pre.refill_fast_tau_s * (1.0 - decay), math.exp(-dt / pre.reserve_recovery_tau_s),
            math.exp(-dt / pre.supply_lag_tau_s), relay_per_input(pre.reserve_recovery_tau_s, pre.supply_lag_tau_s, dt))


def refill_to(pools: VesiclePools, pre, t_s: float, factors: Memo | None = None) -> None:
    """Exact refilling of the RRP from pools.t_s to t_s (no impulse inside).

    Rate of refilling of the empty sites: (1/τ)·(1 + M(t)) + B(t), times reserve^x; M (slow mobilisation)
    and B (Ca2+-dependent refilling after each impulse) decay exponentially meanwhile, so the integral is
    exact. The reserve store supplies what refills and recovers over minutes. `factors`: a cache of
    interval_factors by interval length (for this `pre`)."""
    rrp, cap = pools.rrp, pools.rrp_capacity
    gap = _sub(cap, rrp)
    e = refill_factor(pools, pre, t_s, gap, factors)
    if e is not None:
        e_0d = pools.normals.e if pools.normals is not None else np.array(0.0)
        e_0d[()] = e
        _mul(gap, e_0d, gap)
        _sub(cap, gap, rrp)    # rrp = capacity − gap·e, in place (the pool array is this component's own)


def refill_factor(pools: VesiclePools, pre, t_s: float, gap: np.ndarray, factors: Memo | None = None,
                  ones: np.ndarray | None = None) -> float | None:
    """refill_to's scalar part: advances the pools' scalar state (mobilisation, fast refilling, reserve, supply,
    time) to t_s and returns e, the share of each fibre's empty sites (`gap`, capacity − RRP) still empty at t_s
    (None: no time passed). The caller scales the gap by e. `factors`: interval_factors by interval length for
    this `pre` (ReleaseSystem's Memo); `ones`: a row of ones, to sum the gap as a dot product (cheaper)."""
    dt = t_s - pools.t_s
    if dt <= 0:
        return None
    integral, m, per_mobilisation, decay, per_boost, e_reserve, e_supply, lag = (
        interval_factors(pre, dt) if factors is None else factors[dt])
    mobilisation, boost, supply = pools.mobilisation, pools.boost, pools.supply
    if mobilisation:
        integral += mobilisation * per_mobilisation
        pools.mobilisation = mobilisation * m
    if boost:
        integral += boost * per_boost
        boost *= decay
        pools.boost = boost if boost > 1e-9 else 0.0
    if supply < 1.0:
        integral *= supply ** pre.refill_reserve_exponent
    e = math.exp(-integral)
    if pools.draining:
        gap_sum = float(gap.dot(ones)) if ones is not None and len(ones) == len(gap) else float(_sum(gap))
        drawn = gap_sum * (1.0 - e) / len(gap)
        # the store recovers over minutes; the supply to the RRP follows it with a lag (recycled vesicles
        # being refilled with ACh), so its deficit is deepest a few minutes after an effort
        r0 = 1.0 - max(0.0, pools.reserve - drawn / pre.reserve_quanta)
        pools.reserve = reserve = 1.0 - r0 * e_reserve
        pools.supply = supply = 1.0 - (1.0 - supply) * e_supply - r0 * lag
        if reserve > 1.0 - 1e-7 and supply > 1.0 - 1e-7 and gap_sum * e < 1e-6 * len(gap):
            pools.reserve = pools.supply = 1.0
            pools.draining = False
    pools.t_s = t_s
    return e


MAX_CACHED_INTERVALS = 256


class ReleaseSystem(System):
    def __init__(self) -> None:
        super().__init__()
        self._factors_for = None    # the parameter set the interval factors belong to
        self._factors: Memo | None = None
        self._primed = np.empty(0)                # scratch: the primed sites (RRP × gain), the sites they spent,
        self._spent_sites = np.empty(0)           # the empty sites and the RRP (_same_p)
        self._gap = np.empty(0)
        self._rrp = np.empty(0)
        self._gain = np.array(1.0)                # 0-d scratch: this impulse's gain

    def process(self, dt_s: float) -> None:
        pools = self.c(VesiclePools)
        model = self.c(Model)
        pre = model.params.presynaptic
        blocks = self.c(Nerve).blocks
        if blocks:
            self.evoked(blocks, pools, model, pre)
        t0 = self.c(Clock).t_s
        # spontaneous quanta at the focus junction (only for steps short enough for anyone to watch them)
        if dt_s > MEPP_MAX_STEP_S:
            pools.spontaneous_s = []
            return
        f = model.params.focus_fiber
        rate = pre.mepp_rate_per_s * pools.rrp[f] / pools.rrp_capacity[f]
        n = model.rng_mepp.poisson(rate * dt_s) if dt_s > 0 else 0
        pools.spontaneous_s = sorted((t0 + model.rng_mepp.random(n) * dt_s).tolist()) if n else []

    def evoked(self, blocks: list, pools: VesiclePools, model: Model, pre) -> None:
        """This step's impulses, in order: refill up to each, draw its quanta (into the block's rows), spend them."""
        rng = model.rng_release
        boost = pre.refill_per_impulse / pre.refill_fast_tau_s
        normals = pools.normals
        n = len(pools.rrp)
        if self._factors_for is not pre or len(self._primed) != n:
            self._factors_for = pre      # refill_factor's interval factors, for this parameter set
            self._factors = Memo(functools.partial(interval_factors, pre), MAX_CACHED_INTERVALS)
            self._primed, self._spent_sites, self._gap, self._rrp = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        factors = self._factors
        for b in blocks:
            quanta = b.quanta = np.empty((len(b.records), n))   # each impulse's draw goes straight into its row
            if pools.p_scale is None:
                self._same_p(b.records, quanta, pools, pre, rng, normals, boost, factors)
                continue
            for r, k in zip(b.records, quanta):   # release probability differs between fibres (LEMS): exact draws
                refill_to(pools, pre, r.t_s, factors)
                rrp = pools.rrp
                gain = r.release_gain
                p_fibre = np.minimum(P_CAP, r.p_release * pools.p_scale)
                k[...] = rng.binomial((rrp * gain).astype(np.int64), p_fibre)
                _sub(rrp, k / gain, rrp)
                self._spent(pools, pre, r, k, boost)

    @staticmethod
    def _spent(pools: VesiclePools, pre, r, k: np.ndarray, boost: float) -> None:
        """After an impulse's draw: the fast refilling and mobilisation it triggers."""
        pools.last_impulse_s = r.t_s
        pools.draining = True
        r.quanta = k
        pools.boost += boost * (1.0 + pools.mobilisation)
        pools.mobilisation += pre.mobilisation_per_impulse * (pre.mobilisation_max - pools.mobilisation)

    def _same_p(self, records: list, quanta: np.ndarray, pools: VesiclePools, pre, rng: np.random.Generator,
                normals: NormalBuffer, boost: float, factors: Memo) -> None:
        """evoked() for a block when every fibre has the same release probability (all but LEMS).

        Within the block the empty sites (gap = capacity − RRP) are carried instead of the RRP: refilling scales
        the gap and release adds to it, one call each (RRP = capacity − gap is made once per impulse for the draw,
        and written back to the pools at the end of the block). Quanta ~ Binomial(RRP·gain, p): fibres that expect
        many quanta use the normal approximation with the same mean and variance (much faster; the difference is
        far below the fibre-to-fibre spread), the few that expect fewer (< NORMAL_APPROX_MIN_QUANTA) get the exact
        binomial draw, and all fibres do when a quarter or more would, or when p ≥ 0.5. This loop runs for every
        impulse of a train: its numbers are local values and 0-d scratch arrays, the ufuncs write in place."""
        cap = pools.rrp_capacity
        n = len(cap)
        gap, rrp, primed, spent, g, e_0d = self._gap, self._rrp, self._primed, self._spent_sites, self._gain, normals.e
        if normals.mean is None or len(normals.mean) != n:
            normals.resize(n)
        if normals.rows is None or normals.rows.shape[1] != n:
            normals.i = normals.BLOCK                      # deviates for another muscle size: draw a new block
        mean, flags, p_0d, q_0d = normals.mean, normals.flags, normals.p, normals.q
        rows, block = normals.rows, normals.BLOCK
        _sub(cap, pools.rrp, gap)
        for r, k in zip(records, quanta):
            e = refill_factor(pools, pre, r.t_s, gap, factors, normals.ones)
            if e is not None:
                e_0d[()] = e
                _mul(gap, e_0d, gap)
            _sub(cap, gap, rrp)
            gain, p = r.release_gain, r.p_release
            p_0d[()] = gain * p
            _mul(rrp, p_0d, mean)                           # the expected quanta, RRP·gain·p
            # fibres expecting few quanta (a comparison and a count: cheaper than a minimum's reduction)
            n_small = _count(_less(mean, _MIN_QUANTA, flags)) if p < 0.5 else n
            if n_small * 4 < n:
                # k = rint(mean + sqrt(mean·(1 − p))·z) within [0, RRP·gain], in place
                i = normals.i
                if i >= block:
                    rows, i = normals.refresh(rng, n), 0
                normals.i = i + 1
                q = 1.0 - p
                q_0d[()] = q
                _mul(mean, q_0d, k)
                _sqrt(k, k)
                _mul(k, rows[i], k)
                _add(k, mean, k)
                _rint(k, k)
                if upper_bound_can_bind(p, normals.z_max):
                    _clip(k, normals.zeros, rrp if gain == 1.0 else _mul(rrp, gain, primed), k)
                else:   # only the floor at 0 can bind: the same values as the clip, cheaper
                    _maximum(k, normals.zeros, out=k)
                if n_small:
                    k[flags] = rng.binomial((rrp[flags] * gain).astype(np.int64), p)
            else:
                k[...] = rng.binomial((rrp if gain == 1.0 else _mul(rrp, gain, primed)).astype(np.int64), p)
            if gain == 1.0:
                _add(gap, k, gap)
            else:   # potentiation: more primed sites, the pool spent in proportion
                g[()] = gain
                _add(gap, _div(k, g, spent), gap)
            self._spent(pools, pre, r, k, boost)
        _sub(cap, gap, pools.rrp)
