"""The model's equations as small pure functions (numbers come from game.sim.params).

Systems call these; tests and experiments can call them directly. Each works on floats or numpy arrays.
"""
from __future__ import annotations

import math

import numpy as np

from game.sim.memo import Memo
from game.sim.params import Drug, Membrane, Pharmacology, Presynaptic

LN2 = math.log(2.0)


def release_probability(pre: Presynaptic, ca_mM: float, mg_mM: float, dap_effect: float = 0.0) -> float:
    """Per-site release probability from the bath (Dodge & Rahamimoff 1967): p = p_max · w^n with
    w = (Ca/K_Ca) / (1 + Ca/K_Ca + Mg/K_Mg). 3,4-DAP prolongs the terminal AP, so more Ca2+ enters: it
    scales the effective Ca term. Facilitation and potentiation multiply this (CalciumSystem)."""
    ca = max(ca_mM, 0.0) * (1.0 + pre.dap_ca_entry_gain * dap_effect) / pre.k_ca_mM
    w = ca / (1.0 + ca + max(mg_mM, 0.0) / pre.k_mg_mM)
    return pre.p_max * w ** pre.ca_cooperativity


def bateman_mg(drug: Drug, dose_mg: float, minutes_since: float) -> float:
    """Amount of a dose at its effect site (mg), one compartment with first-order absorption and a lag."""
    tau = minutes_since - drug.lag_min
    if tau <= 0.0:
        return 0.0
    ka = LN2 / drug.absorption_half_life_min
    ke = LN2 / drug.elimination_half_life_min
    if abs(ka - ke) < 1e-9:
        return dose_mg * ka * tau * math.exp(-ke * tau)
    return dose_mg * ka / (ka - ke) * (math.exp(-ke * tau) - math.exp(-ka * tau))


def ache_inhibition(ph: Pharmacology, occupancy: float) -> float:
    """Emax model: occupancy = Σ amount/EC50 over the anticholinesterases given."""
    if occupancy <= 0.0:
        return 0.0
    x = occupancy ** ph.ache_hill
    return ph.ache_inhibition_max * x / (1.0 + x)


def muscarinic_load(ph: Pharmacology, inhibition: float) -> float:
    """Side effects (0..1): systemic muscarinic overstimulation rises steeply at high AChE inhibition."""
    if inhibition <= 0.0:
        return 0.0
    x = (inhibition / ph.muscarinic_half_inhibition) ** ph.muscarinic_hill
    return x / (1.0 + x)


def residual_share(m: Membrane, ache_activity: float) -> float:
    """Share of an EPP that stays behind as a sustained depolarisation because ACh is not cleared."""
    return m.residual_fraction_max * (1.0 - min(max(ache_activity, 0.0), 1.0)) ** m.residual_block_exponent


def residual_tau_ms(m: Membrane, ache_activity: float) -> float:
    return m.residual_tau_ms / (max(ache_activity, 0.0) + m.residual_tau_floor)


def needed_mV(m: Membrane, gap_mV: np.ndarray, fold_damage: float, fold_scale: np.ndarray) -> np.ndarray:
    """EPP needed for a muscle AP (Na+ channels all available): the threshold gap, lowered by the folds'
    amplification, which complement damage to the folds takes partly away."""
    loss = np.minimum(m.fold_na_gap_gain * fold_damage * fold_scale, m.fold_gain_loss_max)
    return gap_mV / (m.fold_gain * (1.0 - loss))


def na_available(m: Membrane, sustained_mV: np.ndarray) -> np.ndarray:
    """Fraction of end-plate Na+ channels not inactivated by a sustained depolarisation (1 at rest)."""
    at_rest = 1.0 + math.exp(-m.na_half_inactivation_mV / m.na_inactivation_slope_mV)
    return at_rest / (1.0 + np.exp((sustained_mV - m.na_half_inactivation_mV) / m.na_inactivation_slope_mV))


def relay_coefficients(tau_in: float, tau_out: float, t: float) -> tuple[float, float, float]:
    """(a, b, c) with relay(k_in, tau_in, tau_out, t) = k_in·a/b·c: the part that does not depend on the input's
    size, so that a step repeated with the same length can reuse it."""
    if abs(tau_in - tau_out) < 1e-9:
        return t, tau_out, math.exp(-t / tau_out)
    return tau_in, tau_in - tau_out, math.exp(-t / tau_in) - math.exp(-t / tau_out)


def relay(k_in: float, tau_in: float, tau_out: float, t: float) -> float:
    """Response at time t of dy/dt = (x − y)/τ_out, y(0) = 0, to the input x = k_in·exp(−t/τ_in)."""
    a, b, c = relay_coefficients(tau_in, tau_out, t)
    return k_in * a / b * c


def relay_per_input(tau_in: float, tau_out: float, t: float) -> float:
    """relay()'s response per unit of input, a/b·c (relay(k, ...) = k·a/b·c up to rounding): for a step repeated
    with the same length and different inputs."""
    a, b, c = relay_coefficients(tau_in, tau_out, t)
    return a / b * c


class ChainStep:
    """Everything about an exact advance of the Ca2+ → force → smoothed-force chain over dt that does not
    depend on the state (see advance_smoothed and advance_contractile); `advance` applies it. Built once per
    distinct (dt, time constants), e.g. once for all the equal intervals of a train.

    The chain is linear, so the step is a matrix: the smoothed force after dt is s0·es + force0·s_force + ca0·s_ca,
    with s_force = relay per unit of force (relay_per_input) and s_ca = the Ca2+ path's two relays per unit of Ca2+;
    the same values as advance_smoothed up to rounding (which multiplies each input through instead)."""

    __slots__ = ("es", "s_force", "s_ca", "ec", "ef", "cross")

    def __init__(self, dt_ms: float, tau_ca_ms: float, tau_force_ms: float, tau_smooth_ms: float) -> None:
        self.es = math.exp(-dt_ms / tau_smooth_ms)
        self.s_force = relay_per_input(tau_force_ms, tau_smooth_ms, dt_ms)
        tc = tau_ca_ms + 1e-6 if abs(tau_ca_ms - tau_force_ms) < 1e-9 else tau_ca_ms
        self.s_ca = tc / (tc - tau_force_ms) * (relay_per_input(tc, tau_smooth_ms, dt_ms) - self.s_force)
        self.ec = math.exp(-dt_ms / tau_ca_ms)
        self.ef = math.exp(-dt_ms / tau_force_ms)
        if abs(tau_ca_ms - tau_force_ms) < 1e-9:
            self.cross = dt_ms / tau_force_ms * self.ef
        else:
            self.cross = tau_ca_ms / (tau_ca_ms - tau_force_ms) * (self.ec - self.ef)

    def advance(self, s0: float, force0: float, ca0: float) -> tuple[float, float, float]:
        """(smoothed, ca, force) after the step from (s0, force0, ca0)."""
        return s0 * self.es + force0 * self.s_force + ca0 * self.s_ca, ca0 * self.ec, force0 * self.ef + ca0 * self.cross


_CHAIN_STEPS_MAX = 256
_chain_steps = Memo(lambda key: ChainStep(*key), _CHAIN_STEPS_MAX)   # by (dt, time constants)


def chain_step(dt_ms: float, tau_ca_ms: float, tau_force_ms: float, tau_smooth_ms: float) -> ChainStep:
    """The ChainStep for these values (cached: a train's intervals repeat)."""
    return _chain_steps[(dt_ms, tau_ca_ms, tau_force_ms, tau_smooth_ms)]


def advance_smoothed(s0: float, force0: float, ca0: float, dt_ms: float, tau_ca_ms: float, tau_force_ms: float,
                     tau_smooth_ms: float) -> float:
    """Exact value after dt of the force as the patient shows it: a third linear stage
    ds/dt = (F − s)/τs fed by F(t) = F0·e^(−t/τf) + cross(t) from Ca0 (see advance_contractile).
    Exact, so the smoothed force does not depend on the step size."""
    if dt_ms <= 0.0:
        return s0
    s = s0 * math.exp(-dt_ms / tau_smooth_ms) + relay(force0, tau_force_ms, tau_smooth_ms, dt_ms)
    if ca0:
        if abs(tau_ca_ms - tau_force_ms) < 1e-9:
            tau_ca_ms += 1e-6
        k = ca0 * tau_ca_ms / (tau_ca_ms - tau_force_ms)
        s += relay(k, tau_ca_ms, tau_smooth_ms, dt_ms) - relay(k, tau_force_ms, tau_smooth_ms, dt_ms)
    return s


def advance_contractile(ca: np.ndarray, force: np.ndarray, dt_ms: float, tau_ca_ms: float,
                        tau_force_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact solution of dca/dt = -ca/τc, dF/dt = (ca - F)/τf over dt (no impulse inside)."""
    if dt_ms <= 0.0:
        return ca, force
    ec = math.exp(-dt_ms / tau_ca_ms)
    ef = math.exp(-dt_ms / tau_force_ms)
    if abs(tau_ca_ms - tau_force_ms) < 1e-9:
        cross = dt_ms / tau_force_ms * ef
    else:
        cross = tau_ca_ms / (tau_ca_ms - tau_force_ms) * (ec - ef)
    return ca * ec, force * ef + ca * cross
