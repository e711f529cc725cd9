"""Calcium: voltage-gated Ca2+ entry at the active zones sets each impulse's release probability.

p = p_max·w^4 (Dodge & Rahamimoff; w from bath Ca2+ and competing Mg2+, widened by 3,4-DAP), multiplied by
residual-Ca2+ facilitation (tens of ms). Sustained activity also loads the terminal with Ca2+ that
lingers for about a minute: post-tetanic potentiation, which primes more release sites for the impulses
that follow a pause (ImpulseRecord.release_gain; it is masked by depression while the nerve fires fast).
Augmentation (seconds) raises the release probability as a train goes on. Both are built by the impulses themselves. Reads: Bath, CalciumEntry, Nerve.impulses. Writes: ImpulseRecord.p_release,
CalciumEntry.
"""
from __future__ import annotations

import functools
import math


from game.sim.components import Bath, CalciumEntry, Clock, Model, Nerve
from game.sim.laws import release_probability
from game.sim.memo import Memo
from game.sim.systems._access import System, single

P_CAP = 0.95


MAX_CACHED_INTERVALS = 64   # decay factors kept by interval (a train's intervals take a few float values)


def decay_factors(pre, dt_s: float) -> tuple[float, float, float]:
    """The decay over dt of facilitation, augmentation and the terminal's Ca2+ load."""
    return (math.exp(-dt_s / pre.facilitation_tau_s), math.exp(-dt_s / pre.augmentation_tau_s),
            math.exp(-dt_s / pre.potentiation_tau_s))


def decay_to(state: CalciumEntry, pre, t_s: float, cache: Memo | None = None) -> None:
    """Exact decay up to t_s. `cache`: decay_factors by interval for this `pre` (CalciumSystem keeps one)."""
    dt = t_s - state.t_s
    if dt > 0:
        fac, aug, load = decay_factors(pre, dt) if cache is None else cache[dt]
        state.facilitation *= fac
        if state.augmentation:
            state.augmentation *= aug
        if state.ca_load:
            state.ca_load *= load
            state.potentiation = potentiation(pre, state.ca_load)
        state.t_s = t_s


def potentiation(pre, load: float) -> float:
    """Post-tetanic potentiation from the terminal's slow Ca2+ load: sigmoid, so that it needs tens of
    seconds of intense activity to build (a 30 s gaze at 20 Hz builds little, 45 s of maximal exercise a lot)."""
    x = (load / pre.potentiation_half_load) ** pre.potentiation_hill
    return pre.potentiation_max * x / (1.0 + x)


def lems_decay_to(state: CalciumEntry, c, t_s: float) -> None:
    dt = t_s - state.lems_t_s
    if dt > 0:
        state.lems_fast *= math.exp(-dt / c.lems_residual_fast_tau_s)
        state.lems_slow *= math.exp(-dt / c.lems_residual_slow_tau_s)
        state.lems_t_s = t_s


def lems_impulses(ca: CalciumEntry, pre, c, channels: float, bath: Bath, impulses, cache: Memo | None = None) -> None:
    """Lambert–Eaton (issue 7 part B): fewer P/Q channels let less Ca2+ in per impulse; the Ca2+ left from
    earlier impulses (fast residual and slow augmentation) adds to the next impulse's entry *inside* the
    4th-power law, so release grows several-fold during fast trains and after a strong effort."""
    for r in impulses:
        lems_decay_to(ca, c, r.t_s)
        decay_to(ca, pre, r.t_s, cache)
        entry = channels * (1.0 + ca.lems_fast + ca.lems_slow)
        r.p_release = min(P_CAP, release_probability(pre, bath.ca_mM * entry, bath.mg_mM, ca.dap_effect))
        ca.lems_fast += c.lems_residual_fast_per_impulse
        ca.lems_slow += c.lems_residual_slow_per_impulse * (1.0 - ca.lems_slow / c.lems_residual_slow_max)
        _count_impulse(ca, pre, r)



def _count_impulse(ca, pre, r) -> None:
    """After an impulse's release probability is set: post-tetanic potentiation primes more of each
    terminal's sites (masked by depression while the nerve fires fast), and the impulse adds to
    facilitation, augmentation and the terminal's Ca2+ load."""
    if ca.potentiation:
        quiet = 1.0 - math.exp(-(((r.t_s - ca.last_impulse_s) / pre.potentiation_unmask_tau_s) ** 2))
        r.release_gain = 1.0 + ca.potentiation * quiet
    ca.last_impulse_s = r.t_s
    ca.facilitation += pre.facilitation_per_impulse
    ca.augmentation += 1.0
    ca.ca_load += pre.ca_load_per_impulse
    ca.potentiation = potentiation(pre, ca.ca_load)


class CalciumSystem(System):
    def __init__(self) -> None:
        super().__init__()
        self._pre = None
        self._cache: Memo | None = None

    def process(self, dt_s: float) -> None:
        impulses = self.c(Nerve).impulses
        if impulses:
            ca = self.c(CalciumEntry)
            pre = self.c(Model).params.presynaptic
            if pre is not self._pre:
                self._pre, self._cache = pre, Memo(functools.partial(decay_factors, pre), MAX_CACHED_INTERVALS)
            cache = self._cache
            bath = self.c(Bath)
            base = release_probability(pre, bath.ca_mM, bath.mg_mM, ca.dap_effect)
            model = self.c(Model)
            if model.condition.ca_channel_fraction < 1.0:
                lems_impulses(ca, pre, model.params.contrast, model.condition.ca_channel_fraction, bath, impulses, cache)
                return
            self.impulses(ca, pre, base, impulses, cache)

    @staticmethod
    def impulses(ca: CalciumEntry, pre, base: float, impulses: list, cache: Memo) -> None:
        """Each impulse's release probability: decay_to, the facilitated and augmented probability, then
        _count_impulse, with the same arithmetic in one loop over local values (a train has thousands of impulses).
        The potentiation of the raised load is only computed when it is read: the next impulse's decay recomputes it
        from the decayed load."""
        t_state, fac, aug, load = ca.t_s, ca.facilitation, ca.augmentation, ca.ca_load
        pot, stale, last = ca.potentiation, False, ca.last_impulse_s
        aug_max, aug_half2 = pre.augmentation_max, pre.augmentation_half_impulses ** 2
        unmask_tau, fac_per, load_per = pre.potentiation_unmask_tau_s, pre.facilitation_per_impulse, pre.ca_load_per_impulse
        for r in impulses:
            t_s = r.t_s
            dt = t_s - t_state
            if dt > 0:                          # = decay_to
                factors = cache[dt]
                fac *= factors[0]
                if aug:
                    aug *= factors[1]
                if load:
                    load *= factors[2]
                    pot, stale = potentiation(pre, load), False
                t_state = t_s
            boost = 1.0 + fac
            if aug:
                a2 = aug * aug
                boost += aug_max * a2 / (a2 + aug_half2)
            r.p_release = min(P_CAP, base * boost)
            if stale:                           # = _count_impulse
                pot, stale = potentiation(pre, load), False
            if pot:
                quiet = 1.0 - math.exp(-(((t_s - last) / unmask_tau) ** 2))
                r.release_gain = 1.0 + pot * quiet
            last = t_s
            fac += fac_per
            aug += 1.0
            load += load_per
            stale = True
        ca.t_s, ca.facilitation, ca.augmentation, ca.ca_load, ca.last_impulse_s = t_state, fac, aug, load, last
        ca.potentiation = potentiation(pre, load) if stale else pot
