"""Calcium: voltage-gated Ca2+ entry at the active zones sets each impulse's release probability.

p = p_max·w^4 (Dodge & Rahamimoff; w from bath Ca2+ and competing Mg2+, widened by 3,4-DAP), multiplied by
residual-Ca2+ facilitation (tens of ms). Sustained activity also loads the terminal with Ca2+ that
lingers for about a minute: post-tetanic potentiation, which primes more release sites for the impulses
that follow a pause (ImpulseRecord.release_gain; it is masked by depression while the nerve fires fast).
Augmentation (seconds) raises the release probability as a train goes on. Both are built by the impulses themselves. Reads: Bath, CalciumEntry, Nerve.impulses. Writes: ImpulseRecord.p_release,
CalciumEntry.
"""
from __future__ import annotations

import math


from game.sim.components import Bath, CalciumEntry, Clock, Model, Nerve
from game.sim.laws import release_probability
from game.sim.systems._access import System, single

P_CAP = 0.95


def decay_to(state: CalciumEntry, pre, t_s: float) -> None:
    dt = t_s - state.t_s
    if dt > 0:
        state.facilitation *= math.exp(-dt / pre.facilitation_tau_s)
        if state.augmentation:
            state.augmentation *= math.exp(-dt / pre.augmentation_tau_s)
        if state.ca_load:
            state.ca_load *= math.exp(-dt / pre.potentiation_tau_s)
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


def lems_impulses(ca: CalciumEntry, pre, c, channels: float, bath: Bath, impulses) -> None:
    """Lambert–Eaton (issue 7 part B): fewer P/Q channels let less Ca2+ in per impulse; the Ca2+ left from
    earlier impulses (fast residual and slow augmentation) adds to the next impulse's entry *inside* the
    4th-power law, so release grows several-fold during fast trains and after a strong effort."""
    for r in impulses:
        lems_decay_to(ca, c, r.t_s)
        decay_to(ca, pre, r.t_s)
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
    def process(self, dt_s: float) -> None:
        impulses = self.c(Nerve).impulses
        if impulses:
            ca = self.c(CalciumEntry)
            pre = self.c(Model).params.presynaptic
            bath = self.c(Bath)
            base = release_probability(pre, bath.ca_mM, bath.mg_mM, ca.dap_effect)
            model = self.c(Model)
            if model.condition.ca_channel_fraction < 1.0:
                lems_impulses(ca, pre, model.params.contrast, model.condition.ca_channel_fraction, bath, impulses)
                return
            for r in impulses:
                decay_to(ca, pre, r.t_s)
                boost = 1.0 + ca.facilitation
                if ca.augmentation:
                    a2 = ca.augmentation * ca.augmentation
                    boost += pre.augmentation_max * a2 / (a2 + pre.augmentation_half_impulses ** 2)
                r.p_release = min(P_CAP, base * boost)
                _count_impulse(ca, pre, r)
