"""The quantal event: what one vesicle's ACh does to a patch of end plate, as a function of receptor number
and AChE activity.

One quantum is integrated as a small ODE in molecule counts (ms):

    ACh + R  ⇌ AR        (2 sites; binding k_bind, unbinding k_unbind)
    ACh + AR ⇌ A2R
    A2R      ⇌ A2R*      (opening k_open, closing 1/open time)
    ACh      →  ∅        (hydrolysis by AChE, k_hydrolysis × activity; escape from the cleft, k_escape)

Free ACh can bind again after it unbinds: with AChE blocked this rebinding is what prolongs the end-plate
current and adds charge (physiology.md §3, Wathey 1979). The open-channel time course drives the end plate's
passive response (`end_plate_response`: a fast local part and a τm part, because the charge spreads along the
fibre) to give the linear (uncorrected) potential of one quantum. The ODE is solved
once per parameter set on a grid of (receptor fraction, AChE activity) and looked up by interpolation, so an
impulse costs a few numpy operations however many fibres there are.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from game.sim import table_cache
from game.sim.params import Membrane, Quantum
from game.sim.record import record

ACHR_GRID = np.linspace(0.0, 1.6, 33)
ACHE_GRID = np.array([0.0, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])


@record(frozen=True, slots=True)
class QuantalTable:
    """Per-quantum response on the (receptor fraction × AChE activity) grid.

    `v_lin_mV`: linear peak potential of one quantum (healthy patch = the healthy MEPP, before the
    non-linear summation correction); `tau_ms`: decay time constant of the end-plate current;
    `open_peak`: channels open at the peak; `bound_fraction`: binding events per released ACh molecule
    (above 1 when ACh rebinds, e.g. ~1.5 healthy, ~11 with AChE fully blocked); `rise_ms`: time to the current's peak.
    """

    achr: np.ndarray
    ache: np.ndarray
    v_lin_mV: np.ndarray
    tau_ms: np.ndarray
    open_peak: np.ndarray
    bound_fraction: np.ndarray
    rise_ms: np.ndarray
    waveform_t_ms: np.ndarray
    waveform_healthy: np.ndarray   # open channels against time for a healthy patch, for the lens/scope

    def lookup(self, achr: np.ndarray | float, ache_activity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(v_lin_mV, tau_ms, open_peak) for each receptor fraction at one AChE activity."""
        j = int(np.searchsorted(self.ache, ache_activity, side="right") - 1)
        j = min(max(j, 0), len(self.ache) - 2)
        w = (ache_activity - self.ache[j]) / (self.ache[j + 1] - self.ache[j])
        w = min(max(w, 0.0), 1.0)
        out = []
        for tab in (self.v_lin_mV, self.tau_ms, self.open_peak):
            col = tab[:, j] * (1.0 - w) + tab[:, j + 1] * w
            out.append(np.interp(achr, self.achr, col))
        return out[0], out[1], out[2]

    def column(self, ache_activity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The three response columns interpolated at one AChE activity (then np.interp over receptors)."""
        j = int(np.searchsorted(self.ache, ache_activity, side="right") - 1)
        j = min(max(j, 0), len(self.ache) - 2)
        w = min(max((ache_activity - self.ache[j]) / (self.ache[j + 1] - self.ache[j]), 0.0), 1.0)
        return tuple(tab[:, j] * (1.0 - w) + tab[:, j + 1] * w for tab in (self.v_lin_mV, self.tau_ms, self.open_peak))


def end_plate_response(fast: np.ndarray | float, slow: np.ndarray | float, m: Membrane) -> np.ndarray | float:
    """The end plate's linear potential from its two passive parts, each the open-channel time course integrated
    with its own decay (`endplate_fast_tau_ms` and the membrane's τm): the fast part is the local spread of charge
    along the fibre, the slow part the membrane as a whole."""
    return m.endplate_fast_share * fast + (1.0 - m.endplate_fast_share) * slow


def simulate_quantum(achr: np.ndarray, ache: np.ndarray, q: Quantum, m: Membrane) -> dict[str, np.ndarray]:
    """Integrate one quantum for every (achr, ache) pair (same-shape arrays). Returns time courses."""
    dt = q.integration_step_ms
    n = int(round(q.integration_span_ms / dt))
    a = np.asarray(achr, dtype=float)
    e = np.asarray(ache, dtype=float)
    A = np.full(a.shape, q.ach_per_quantum)
    R = q.receptors_per_patch * a
    AR = np.zeros_like(a)
    A2R = np.zeros_like(a)
    O = np.zeros_like(a)
    bound = np.zeros_like(a)
    vf = np.zeros_like(a)
    vs = np.zeros_like(a)
    alpha = 1.0 / q.channel_open_time_ms
    clear = q.k_hydrolysis_per_ms * e + q.k_escape_per_ms
    open_t = np.empty((n,) + a.shape)
    v_t = np.empty((n,) + a.shape)
    for i in range(n):
        b1 = 2.0 * q.k_bind_per_molecule_per_ms * A * R
        b2 = q.k_bind_per_molecule_per_ms * A * AR
        u1 = q.k_unbind_per_ms * AR
        u2 = 2.0 * q.k_unbind_per_ms * A2R
        op = q.k_open_per_ms * A2R
        cl = alpha * O
        A += dt * (-b1 - b2 + u1 + u2 - clear * A)
        R += dt * (-b1 + u1)
        AR += dt * (b1 - u1 - b2 + u2)
        A2R += dt * (b2 - u2 - op + cl)
        O += dt * (op - cl)
        bound += dt * (b1 + b2)
        # passive end plate driven by the open channels (arbitrary units, scaled below)
        vf += dt * (O - vf / m.endplate_fast_tau_ms)
        vs += dt * (O - vs / m.time_constant_ms)
        open_t[i] = O
        v_t[i] = end_plate_response(vf, vs, m)
    return {"t_ms": np.arange(1, n + 1) * dt, "open": open_t, "v": v_t, "bound": bound}


def _decay_tau_ms(trace: np.ndarray, dt: float) -> np.ndarray:
    """Decay τ from the 80% → 20% fall after the peak (per column), the way a tail is measured."""
    peak_i = trace.argmax(axis=0)
    peak = trace.max(axis=0)
    taus = np.empty(trace.shape[1:])
    for idx in np.ndindex(*trace.shape[1:]):
        col = trace[(slice(None),) + idx]
        p, pi = peak[idx], peak_i[idx]
        if p <= 0:
            taus[idx] = np.nan
            continue
        tail = col[pi:]
        i80 = int(np.argmax(tail < 0.8 * p))
        i20 = int(np.argmax(tail < 0.2 * p))
        taus[idx] = (i20 - i80) * dt / np.log(4.0) if i20 > i80 else np.nan
    return taus


TABLE_FIELDS = ("v_lin_mV", "tau_ms", "open_peak", "bound_fraction", "rise_ms")   # (achr × ache) arrays


@lru_cache(maxsize=1)
def _solver_code() -> str:
    """Digest of the solver's code as this process loaded it (part of the disk cache's key)."""
    return table_cache.code_digest(solve_quantal_table, simulate_quantum, end_plate_response, _decay_tau_ms)


@lru_cache(maxsize=8)
def quantal_table(q: Quantum, m: Membrane) -> QuantalTable:
    """The quantal table for one parameter set: solved once (solve_quantal_table), kept in this process and on
    disk between runs (game.sim.table_cache: same parameters, same arrays to the last bit)."""
    n = int(round(q.integration_span_ms / q.integration_step_ms))
    shapes = {name: (len(ACHR_GRID), len(ACHE_GRID)) for name in TABLE_FIELDS}
    shapes.update(waveform_t_ms=(n,), waveform_healthy=(n,))
    key = table_cache.table_key(q, m, ACHR_GRID.tolist(), ACHE_GRID.tolist(), _solver_code())
    arrays = table_cache.load(key, shapes)
    if arrays is None:
        arrays = solve_quantal_table(q, m)
        table_cache.save(key, arrays)
    for name in ("tau_ms", "rise_ms"):
        arrays[name].setflags(write=False)
    return QuantalTable(achr=ACHR_GRID, ache=ACHE_GRID, **arrays)


def solve_quantal_table(q: Quantum, m: Membrane) -> dict[str, np.ndarray]:
    """Integrate the quantal ODE on the (receptor fraction × AChE activity) grid: the QuantalTable's arrays
    (TABLE_FIELDS, then waveform_t_ms and waveform_healthy)."""
    aa, ee = np.meshgrid(ACHR_GRID, ACHE_GRID, indexing="ij")
    res = simulate_quantum(aa, ee, q, m)
    dt = q.integration_step_ms
    open_t, v_t = res["open"], res["v"]
    v_peak = v_t.max(axis=0)
    i_h = int(np.argmin(np.abs(ACHR_GRID - 1.0)))
    # scale so that a healthy patch with intact AChE gives the healthy MEPP (after the non-linear correction)
    df = m.ach_reversal_mV - m.resting_potential_mV
    mepp_lin = m.mepp_healthy_mV / (1.0 - m.mepp_healthy_mV / df)
    scale = mepp_lin / v_peak[i_h, -1]
    tau = _decay_tau_ms(open_t, dt)
    tau[0, :] = tau[1, :]   # no receptors: no current; borrow the neighbour's shape
    rise = open_t.argmax(axis=0) * dt
    return {"v_lin_mV": v_peak * scale, "tau_ms": tau, "open_peak": open_t.max(axis=0),
            "bound_fraction": res["bound"] / q.ach_per_quantum, "rise_ms": rise,
            "waveform_t_ms": res["t_ms"], "waveform_healthy": open_t[:, i_h, -1].copy()}


def martin(v_lin_mV: np.ndarray | float, driving_force_mV: float | np.ndarray) -> np.ndarray:
    """Non-linear summation: the membrane cannot pass the ACh reversal potential (physiology.md, modelling
    notes; Martin's correction inverted)."""
    return v_lin_mV / (1.0 + v_lin_mV / driving_force_mV)
