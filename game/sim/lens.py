"""The cascade lens: a particle replay of the latest impulse at the focus junction (one junction, close up,
slowed down by the view).

What is simulated
-----------------
A 2-D cross-section of one junction: the presynaptic membrane at y = 0, the primary cleft down to the fold
crests at y = cleft_nm, and one junctional fold under each active zone (the fold mouths face the active zones)
reaching y = cleft_nm + fold_depth_nm. Coordinates are in nm (x along the junction, 0..width_nm; y < 0 is
inside the nerve terminal). Time is in model ms, t_ms = 0 when the action potential reaches the terminal.

* ACh is a numpy struct of arrays (x, y, stripe edge, quantum, "has bound once"), one row per particle; a
  particle stands for `molecules_per_particle` ACh molecules: a replay releases at most `max_particles`
  particles, so a single quantum is drawn molecule by molecule up to 10,000 and a 160-quantum EPP at ~27
  molecules per particle (60,000 particles). Particles take Brownian steps in the cleft and the folds with
  reflecting membranes, escape at the lateral edges (x < 0 or x > width_nm), are cut by AChE (a hazard
  k_hydrolysis × activity everywhere in the basal lamina, which lines the cleft and the folds; each cut is
  shown at the nearest AChE site) and bind receptors.
* Receptors are kinetic *units*, each standing for `molecules_per_particle` AChRs so that ACh and receptors
  keep the quantal patch's ratio (10,000 ACh : 3,000 AChR × receptor fraction). Each quantum owns its own
  patch of units (its "layer"): the crest stripe of its active zone, at its own depth in the unseen third
  dimension, which is why quanta add up as they do in the population model. A unit is free, has one ACh,
  two ACh (closed) or is open. Binding: band prefilter (particles within `capture_nm` above the crests or in
  the upper `wall_receptor_depth_nm` of a fold, where AChRs line the walls, and inside their own stripe),
  then a grid lookup (the unit of its own patch the particle faces), bound with probability
  gain × k_bind × (receptors in the patch) × (free sites of that unit) × dt: the particle form of the quantal
  ODE's mass action. ACh leaves a site at k_unbind (and may bind again: rebinding is what prolongs the
  current when AChE is blocked), doubly bound units open at k_open and close with the open time of
  params.Quantum.
* The drawn receptors (`n_receptors` at a healthy junction; fewer in MG) sit on the crests and the upper fold
  walls; each shows the state of the unit it stands on in one of its stripe's patches. Receptors blocked by
  antibodies (state 4) and desensitised ones (state 3) are drawn but never bind or open (`achr_fraction`
  counts only the functional ones, as the population model does).
* The end-plate potential integrates the open-channel time course through the passive membrane (τm) with
  exactly the scaling of the population model's quantal table (kinetics.quantal_table), then the same
  non-linear summation, so its peak matches the population EPP for that junction.

Calibration (tests/test_lens.py holds it, at receptor fraction × AChE activity 1/1, 0.33/1, 1/0.1): open
channels per quantum within −10…0% of the quantal table, ACh bound at least once within −10…0% and binding
events per molecule within 0…+20% of the well-mixed ODE, EPC decay τ within 0…+25%, EPP peak within ±5% of
the population's. Known limit: with AChE almost fully blocked (activity ≲ 0.05) ACh leaves only through the
junction's edges, so the lens clears it more slowly than the table's uniform escape (τ up to ~1.7× at 0.01,
more for the middle active zones).

Internal step and cost
----------------------
`step(dt_ms)` accepts any length: it runs whole internal steps of `LensParams.substep_ms` (1/300 ms: three
per 0.01 ms; Brownian σ ≈ 40 nm, so ACh crosses the cleft in a few µs) and carries the remainder, so one
0.05 ms step and five 0.01 ms steps give identical arrays. Everything per particle is O(particles) numpy:
random steps from raw generator bytes (uniform odd int8: zero mean; the path is Gaussian within a few steps),
branch-free in-place arithmetic for the membranes, O(removed) swap-removal. Cost ≈ 25 ns per particle per
internal step plus ~0.2 ms: it grows linearly with the particle count and with the model time per frame.

The module is headless and deterministic: no pygame, no time, no random; numpy Generators spawned from
(seed, replay number), so a replay does not depend on how far the previous one was stepped.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from game.sim.kinetics import QuantalTable, end_plate_response, martin, quantal_table, simulate_quantum
from game.sim.params import DEFAULT, LensParams, Membrane, Params, Quantum

PHASES = ("idle", "ap", "calcium", "fusion", "diffusion", "clearing", "done")

# receptor_state values (drawing)
CLOSED, ONE_BOUND, OPEN, DESENSITISED, BLOCKED = 0, 1, 2, 3, 4
# kinetic unit states
_FREE, _AR, _A2R, _OPEN = 0, 1, 2, 3


LENS = DEFAULT.lens

_ODD_BYTE_SD = math.sqrt(float(np.mean(np.arange(-127, 128, 2) ** 2)))   # sd of a uniform odd int8
_ODD = np.uint64(0x0101010101010101)
_FLASH_CELL_NM = 10.0
_FREE_SITES = np.array([2, 1, 0, 0], np.float32)                          # by unit state


def _odd_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random odd int8 values (uniform on −127, −125, … 127: zero mean), straight from the bit generator:
    ~40× cheaper than Gaussian draws, and a Brownian path built from them is Gaussian within a few steps."""
    raw = rng.bit_generator.random_raw((n + 7) // 8)
    raw |= _ODD
    return raw.view(np.int8)


@lru_cache(maxsize=8)
def _v_scale(q: Quantum, m: Membrane) -> float:
    """mV of linear potential per (channel · ms) of the passive-membrane integral, exactly as the table scales
    its ODE (v_lin_mV = v_peak × scale with the healthy patch giving the healthy MEPP)."""
    table = quantal_table(q, m)
    res = simulate_quantum(np.array([1.0]), np.array([1.0]), q, m)
    v_peak = float(res["v"].max())
    i = int(np.argmin(np.abs(table.achr - 1.0)))
    j = int(np.argmin(np.abs(table.ache - 1.0)))
    return float(table.v_lin_mV[i, j]) / v_peak


def _bilinear(table: QuantalTable, field: np.ndarray, achr: float, ache: float) -> float:
    j = int(np.searchsorted(table.ache, ache, side="right") - 1)
    j = min(max(j, 0), len(table.ache) - 2)
    w = min(max((ache - table.ache[j]) / (table.ache[j + 1] - table.ache[j]), 0.0), 1.0)
    col = field[:, j] * (1.0 - w) + field[:, j + 1] * w
    return float(np.interp(achr, table.achr, col))


def table_values(params: Params, achr_fraction: float, ache_activity: float) -> dict[str, float]:
    """The population model's per-quantum numbers at one junction state (what the lens is held to)."""
    t = quantal_table(params.quantum, params.membrane)
    return {
        "open_peak": _bilinear(t, t.open_peak, achr_fraction, ache_activity),
        "bound_fraction": _bilinear(t, t.bound_fraction, achr_fraction, ache_activity),
        "tau_ms": _bilinear(t, t.tau_ms, achr_fraction, ache_activity),
        "v_lin_mV": _bilinear(t, t.v_lin_mV, achr_fraction, ache_activity),
        "rise_ms": _bilinear(t, t.rise_ms, achr_fraction, ache_activity),
    }


def well_mixed_quantum(q: Quantum, achr_fraction: float, ache_activity: float) -> dict[str, float]:
    """The quantal ODE of kinetics.simulate_quantum for one patch, with one more pool (ACh that has never
    bound) so that the share of ACh that bound *at least once* can be compared too. Returns fractions of the
    quantum: binding_events_per_ach (the table's `bound_fraction`), bound_once, hydrolysed, escaped; and
    open_peak (channels)."""
    dt = q.integration_step_ms
    n = int(round(q.integration_span_ms / dt))
    A, N = q.ach_per_quantum, q.ach_per_quantum
    R, AR, A2R, O = q.receptors_per_patch * achr_fraction, 0.0, 0.0, 0.0
    kh, ke = q.k_hydrolysis_per_ms * ache_activity, q.k_escape_per_ms
    alpha = 1.0 / q.channel_open_time_ms
    events = once = hyd = esc = peak = 0.0
    for _ in range(n):
        b1 = 2.0 * q.k_bind_per_molecule_per_ms * A * R
        b2 = q.k_bind_per_molecule_per_ms * A * AR
        u1, u2 = q.k_unbind_per_ms * AR, 2.0 * q.k_unbind_per_ms * A2R
        op, cl = q.k_open_per_ms * A2R, alpha * O
        naive_bind = (b1 + b2) * (N / A) if A > 0 else 0.0
        events += dt * (b1 + b2)
        once += dt * naive_bind
        hyd += dt * kh * A
        esc += dt * ke * A
        N += dt * (-naive_bind - (kh + ke) * N)
        A += dt * (-b1 - b2 + u1 + u2 - (kh + ke) * A)
        R += dt * (-b1 + u1)
        AR += dt * (b1 - u1 - b2 + u2)
        A2R += dt * (b2 - u2 - op + cl)
        O += dt * (op - cl)
        peak = max(peak, O)
    a = q.ach_per_quantum
    return {"binding_events_per_ach": events / a, "bound_once": once / a, "hydrolysed": hyd / a,
            "escaped": esc / a, "open_peak": peak}


def decay_tau_ms(t_ms: np.ndarray, trace: np.ndarray, smooth_ms: float = 0.0) -> float:
    """EPC decay τ measured as the quantal table measures it: the 80% → 20% fall after the peak / ln 4.
    `smooth_ms` applies a moving average first (particle traces are noisy)."""
    if len(trace) < 3:
        return float("nan")
    y = np.asarray(trace, dtype=float)
    dt = float(t_ms[1] - t_ms[0]) if len(t_ms) > 1 else 1.0
    k = max(1, int(round(smooth_ms / dt)))
    if k > 1:
        y = np.convolve(y, np.ones(k) / k, mode="same")
    pi = int(y.argmax())
    p = y[pi]
    if p <= 0:
        return float("nan")
    tail = y[pi:]
    below80, below20 = tail < 0.8 * p, tail < 0.2 * p
    if not below20.any():
        return float("nan")
    i80, i20 = int(np.argmax(below80)), int(np.argmax(below20))
    return (i20 - i80) * dt / math.log(4.0) if i20 > i80 else float("nan")


class Lens:
    """The particle replay of one impulse (or one spontaneous quantum) at the focus junction.

    Drive it with `start_impulse(...)` / `start_mepp(...)`, then `step(dt_ms)` once per frame with the model
    time the view wants to show. Everything else is read-only drawing state (numpy arrays are views: do not
    write to them, and copy them if you keep them past the next `step`)."""

    def __init__(self, params: Params = DEFAULT, seed: int = 0, max_particles: int = 60_000,
                 n_receptors: int = 240, n_active_zones: int = 6, n_ache: int = 160,
                 lens_params: LensParams = LENS) -> None:
        if max_particles < 1 or n_receptors < 0 or n_active_zones < 1 or n_ache < 1:
            raise ValueError("max_particles and n_active_zones must be ≥ 1, n_receptors ≥ 0, n_ache ≥ 1")
        self.params = params
        self.lp = lp = lens_params
        self.seed = int(seed)
        self.max_particles = int(max_particles)
        self.n_receptors_healthy = int(n_receptors)
        self._replays = 0
        self._table = quantal_table(params.quantum, params.membrane)
        self._scale_mV = _v_scale(params.quantum, params.membrane)
        # ---- geometry
        self.n_active_zones = int(n_active_zones)
        self.stripe_nm = lp.stripe_nm
        self.width_nm = lp.stripe_nm * n_active_zones
        self.cleft_nm = lp.cleft_nm
        self.fold_depth_nm = lp.fold_depth_nm
        self.fold_width_nm = lp.fold_width_nm
        self.active_zone_x = ((np.arange(n_active_zones) + 0.5) * lp.stripe_nm).astype(np.float32)
        self.fold_x = self.active_zone_x.copy()       # fold centres: the mouths face the active zones
        # ---- AChE sites along the basal lamina: mid-cleft, and down the middle of each fold
        geo = np.random.default_rng(np.random.SeedSequence([self.seed, 0xACE]))
        n_fold = int(round(n_ache * lp.ache_in_folds_share)) if lp.fold_depth_nm > 0 else 0
        n_cleft = n_ache - n_fold
        cx = np.sort((np.arange(n_cleft) + geo.uniform(0.2, 0.8, n_cleft)) * self.width_nm / max(n_cleft, 1))
        cy = self.cleft_nm * (0.5 + geo.uniform(-0.12, 0.12, n_cleft))
        fk = np.arange(n_fold) % n_active_zones
        fdepth = np.empty(n_fold)
        for k in range(n_active_zones):
            sel = fk == k
            m = int(sel.sum())
            fdepth[sel] = (np.arange(m) + geo.uniform(0.2, 0.8, m)) * self.fold_depth_nm / max(m, 1)
        fxs = self.fold_x[fk] + geo.uniform(-0.25, 0.25, n_fold) * self.fold_width_nm
        self.ache_x = np.concatenate([cx, fxs]).astype(np.float32)
        self.ache_y = np.concatenate([cy, self.cleft_nm + fdepth]).astype(np.float32)
        # nearest AChE site for each 10-nm cell (cleft cells look among the cleft sites, fold cells among
        # their fold's sites): where a cut is shown
        gx = (np.arange(int(math.ceil(self.width_nm / _FLASH_CELL_NM))) + 0.5) * _FLASH_CELL_NM
        gy = (np.arange(int(math.ceil((self.cleft_nm + self.fold_depth_nm) / _FLASH_CELL_NM)) + 1) + 0.5) * _FLASH_CELL_NM
        GX, GY = np.meshgrid(gx, gy)
        d2 = (GX[..., None] - self.ache_x[None, None, :]) ** 2 + (GY[..., None] - self.ache_y[None, None, :]) ** 2
        site_in_fold = self.ache_y > self.cleft_nm
        cell_in_fold = GY > self.cleft_nm
        d2 += np.where(cell_in_fold[..., None] != site_in_fold[None, None, :], 1e12, 0.0)
        self._ache_grid = d2.argmin(axis=-1).astype(np.int64)
        self.hydrolysis_flash = np.zeros(n_ache, np.float32)
        self.cut_x = np.zeros(0, np.float32)    # where ACh was cut during the last step (visual cue)
        self.cut_y = np.zeros(0, np.float32)
        # ---- numerics
        self._dt = lp.substep_ms
        self.substep_ms = lp.substep_ms               # the internal step (public: the view budgets its frames)
        sigma = math.sqrt(2.0 * lp.diffusion_nm2_per_ms * self._dt)
        self._step_scale = np.float32(sigma / _ODD_BYTE_SD)         # odd int8 (uniform, mean 0) → σ
        q = params.quantum
        ku, ko, kc = q.k_unbind_per_ms, q.k_open_per_ms, 1.0 / q.channel_open_time_ms
        p2 = 1.0 - math.exp(-(2.0 * ku + ko) * self._dt)
        p_unb2 = p2 * 2.0 * ku / (2.0 * ku + ko)
        # per unit state (free, AR, A2R, open): event A = lose one ACh, event B = open (A2R) / close (open)
        self._pa = np.array([0.0, 1.0 - math.exp(-ku * self._dt), p_unb2, 0.0], np.float32)
        self._pb = np.array([0.0, 0.0, p2, 1.0 - math.exp(-kc * self._dt)], np.float32)
        ca_sigma = math.sqrt(2.0 * lp.ca_diffusion_nm2_per_ms * self._dt)
        self._ca_scale = np.float32(ca_sigma / _ODD_BYTE_SD)
        self._bench_hold = 0
        self._mepp_az: int | None = None
        self._reset_state()

    # ------------------------------------------------------------------------------------------ geometry
    def _receptor_positions(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """n drawn receptors evenly in "slot space" (x along each stripe, the kinetic units' map). Those
        whose x falls over a fold mouth sit on the fold's upper walls (left half of the mouth → left wall,
        deeper towards the middle). Returns drawn x, drawn y, slot x and stripe index."""
        xs = ((np.arange(n) + 0.5) * self.width_nm / max(n, 1)).astype(np.float64)
        stripe = np.minimum((xs // self.stripe_nm).astype(np.int32), self.n_active_zones - 1)
        off = xs - self.active_zone_x[stripe]
        hw = 0.5 * self.fold_width_nm
        depth = self.lp.wall_receptor_depth_nm
        x_draw = xs.copy()
        y_draw = np.full(n, self.cleft_nm)
        wall = np.abs(off) < hw
        if depth > 0 and self.fold_depth_nm > 0:
            x_draw[wall] = self.active_zone_x[stripe[wall]] + np.sign(off[wall]) * hw
            y_draw[wall] = self.cleft_nm + (1.0 - np.abs(off[wall]) / hw) * depth
        return x_draw.astype(np.float32), y_draw.astype(np.float32), xs, stripe

    # ------------------------------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        self.t_ms = 0.0
        self.phase = "idle"
        self.ap_fraction = 0.0
        self.quanta = 0
        self.achr_fraction = 1.0
        self.ache_activity = 1.0
        self.antibody_block = 0.0
        self.desensitised = 0.0
        self.fired: bool | None = None
        self.population_epp_mV: float | None = None
        self.needed_mV: float | None = None
        self.is_mepp = False
        self.molecules_per_particle = 1.0
        self._acc = 0.0
        self._n = 0
        cap = 16
        self._x = np.zeros(cap, np.float32)
        self._y = np.zeros(cap, np.float32)
        self._q = np.zeros(cap, np.int32)
        self._u0 = np.zeros(cap, np.float32)
        self._seen = np.zeros(cap, bool)
        self._tmp = np.zeros(cap, np.float32)
        self._off = np.zeros(cap, np.float32)
        self._aux = np.zeros(cap, np.float32)
        self._m1 = np.zeros(cap, bool)
        self._m2 = np.zeros(cap, bool)
        self._ca_x = np.zeros(0, np.float32)
        self._ca_y = np.zeros(0, np.float32)
        self._ca_t = np.zeros(0)
        self._ca_next = 0
        self._ca_born = np.zeros(0)
        self._ca_die = np.zeros(0)
        self._ca_x0 = np.zeros(0, np.float32)
        self.vesicle_az = np.zeros(0, np.int32)
        self.vesicle_t_ms = np.zeros(0)
        self.vesicle_fuse = np.zeros(0, np.float32)
        self._released_q = np.zeros(0, bool)
        self._next_release = 0
        self._order = np.zeros(0, np.int64)
        # receptor units
        self._u_state = np.zeros(0, np.int8)
        self._u_layer = np.zeros(0, np.int32)
        self._u_x = np.zeros(0, np.float32)
        self._lay_off = np.zeros(1, np.int32)
        self._lay_n = np.zeros(0, np.int32)
        self._lay_az = np.zeros(0, np.int32)
        self._lay_u0 = np.zeros(1, np.float32)
        self._p_hyd = 0.0
        self._lay_pbind = np.zeros(0, np.float32)
        self.receptor_x = np.zeros(0, np.float32)
        self.receptor_y = np.zeros(0, np.float32)
        self.receptor_state = np.zeros(0, np.int8)
        self._rec_unit = np.zeros(0, np.int64)
        self._rec_func = np.zeros(0, bool)
        # bookkeeping (particles)
        self._released_p = 0
        self._hydrolysed_p = 0
        self._escaped_p = 0
        self._bound_p = 0
        self._bind_events = 0
        self._seen_p = 0
        self._n_open = 0
        self._open_peak_units = 0
        self._max_free = 0
        self._t_open_peak = 0.0
        # traces
        self._tr_n = 0
        self._tr_t = np.zeros(0)
        self._tr_open = np.zeros(0)
        self._tr_v = np.zeros(0)
        self._v = 0.0
        self._v_fast = 0.0
        self._v_slow = 0.0
        self._df_eff = self.params.membrane.ach_reversal_mV - self.params.membrane.resting_potential_mV
        self.hydrolysis_flash[:] = 0.0
        self.cut_x = np.zeros(0, np.float32)
        self.cut_y = np.zeros(0, np.float32)
        self.stats: dict = {}
        self._tab: dict = {}

    def _ensure_capacity(self, n: int) -> None:
        if n <= len(self._x):
            return
        cap = max(n, int(len(self._x) * 1.5) + 16)
        for name in ("_x", "_y", "_u0", "_q", "_seen"):
            old = getattr(self, name)
            new = np.zeros(cap, old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)
        self._tmp = np.zeros(cap, np.float32)
        self._off = np.zeros(cap, np.float32)
        self._aux = np.zeros(cap, np.float32)
        self._m1 = np.zeros(cap, bool)
        self._m2 = np.zeros(cap, bool)

    # ------------------------------------------------------------------------------------------ drawing state
    @property
    def ach_x(self) -> np.ndarray:
        return self._x[: self._n]

    @property
    def ach_y(self) -> np.ndarray:
        return self._y[: self._n]

    @property
    def ach_quantum(self) -> np.ndarray:
        """Index of the vesicle each live ACh particle came from."""
        return self._q[: self._n]

    @property
    def ach_count(self) -> int:
        return self._n

    @property
    def ca_x(self) -> np.ndarray:
        return self._ca_x

    @property
    def ca_y(self) -> np.ndarray:
        return self._ca_y

    @property
    def open_channels(self) -> int:
        """AChR channels open now (real channels: open units × receptors per unit)."""
        return int(round(self._n_open * self.molecules_per_particle))

    @property
    def open_trace_t_ms(self) -> np.ndarray:
        return self._tr_t[: self._tr_n]

    @property
    def open_trace(self) -> np.ndarray:
        return self._tr_open[: self._tr_n]

    @property
    def epp_trace_mV(self) -> np.ndarray:
        """End-plate potential (mV above rest) at the times of open_trace_t_ms."""
        v = self._tr_v[: self._tr_n] * self._scale_mV
        return martin(v, self._df_eff)

    # ------------------------------------------------------------------------------------------ starting
    def start_impulse(self, quanta: int, achr_fraction: float, ache_activity: float, antibody_block: float = 0.0,
                      desensitised: float = 0.0, fired: bool | None = None, epp_mV: float | None = None,
                      needed_mV: float | None = None) -> None:
        """Begin the replay of one nerve impulse. `quanta`: vesicles released at the focus junction (from the
        population model: ImpulseEvent.focus_quanta); `achr_fraction`: functional receptors relative to a
        healthy junction, as the population model uses them (Receptors.functional()[focus], antibody block and
        desensitisation already taken out); `ache_activity`: Cleft.activity (1 = intact AChE);
        `antibody_block` and `desensitised`: shares of the receptors present that are drawn blocked (state 4)
        or desensitised (state 3). `fired`, `epp_mV`, `needed_mV` (ImpulseEvent.focus_*) are kept for the
        scope; when `epp_mV` is given the trace uses the driving force that gives the population its EPP
        (a sustained depolarisation lowers it)."""
        self._start(int(quanta), achr_fraction, ache_activity, antibody_block, desensitised, mepp=False)
        self.fired = None if fired is None else bool(fired)
        self.needed_mV = None if needed_mV is None else float(needed_mV)
        self.population_epp_mV = None if epp_mV is None else float(epp_mV)
        if epp_mV is not None and quanta > 0:
            v_lin = quanta * self._tab["v_lin_mV"]
            if 0.0 < epp_mV < v_lin:
                self._df_eff = 1.0 / (1.0 / epp_mV - 1.0 / v_lin)
        self._update_stats()

    def start_mepp(self, achr_fraction: float, ache_activity: float, antibody_block: float = 0.0,
                   desensitised: float = 0.0, active_zone: int | None = None) -> None:
        """Begin the replay of one spontaneous quantum (no action potential, no Ca2+ entry) at `active_zone`
        (None: one drawn at random)."""
        if active_zone is not None and not (0 <= active_zone < self.n_active_zones):
            raise ValueError(f"active_zone: expected 0..{self.n_active_zones - 1} or None (got {active_zone!r})")
        self._mepp_az = active_zone
        self._start(1, achr_fraction, ache_activity, antibody_block, desensitised, mepp=True)
        self._update_stats()

    def _start(self, quanta: int, achr: float, ache: float, block: float, desens: float, mepp: bool) -> None:
        for name, v in (("achr_fraction", achr), ("ache_activity", ache), ("antibody_block", block),
                        ("desensitised", desens)):
            if not (v >= 0.0) or not math.isfinite(v):
                raise ValueError(f"{name}: expected a finite number ≥ 0 (got {v!r})")
        if quanta < 0:
            raise ValueError(f"quanta: expected a whole number ≥ 0 (got {quanta})")
        if block >= 1.0 or desens >= 1.0:
            raise ValueError("antibody_block and desensitised: expected shares below 1")
        self._bench_hold = 0
        self._reset_state()
        lp, q = self.lp, self.params.quantum
        self._replays += 1
        s_setup, s_kin, s_ca = np.random.SeedSequence([self.seed, self._replays]).spawn(3)
        rs = np.random.default_rng(s_setup)
        self._rng = np.random.default_rng(s_kin)
        self._rng_ca = np.random.default_rng(s_ca)
        self.quanta = quanta
        self.achr_fraction = float(achr)
        self.ache_activity = min(float(ache), 1.0)
        self.antibody_block = float(block)
        self.desensitised = float(desens)
        self.is_mepp = mepp
        self._tab = table_values(self.params, self.achr_fraction, self.ache_activity) if quanta else {}
        # ---- scale: particles per quantum so the whole replay fits in max_particles
        ppq = max(1, min(int(q.ach_per_quantum), self.max_particles // max(quanta, 1)))
        self._ppq = ppq
        s = self.molecules_per_particle = q.ach_per_quantum / ppq
        self._ensure_capacity(max(quanta * ppq, 16))
        # ---- vesicles: active zone and release time of each quantum
        n_az = self.n_active_zones
        az = (np.arange(quanta) % n_az).astype(np.int32)
        rs.shuffle(az)
        if mepp:
            az[:] = rs.integers(0, n_az) if self._mepp_az is None else self._mepp_az
            t_rel = np.full(quanta, lp.fuse_ms)
        else:
            t_rel = lp.release_delay_ms + rs.gamma(2.0, lp.release_jitter_ms, quanta)
        self.vesicle_az = az
        self.vesicle_t_ms = t_rel
        self.vesicle_fuse = np.zeros(quanta, np.float32)
        self._released_q = np.zeros(quanta, bool)
        self._order = np.argsort(t_rel, kind="stable")
        self._next_release = 0
        # ---- receptor units: one patch (layer) per quantum on its active zone's crest
        r_real = q.receptors_per_patch * self.achr_fraction / s
        n_units = np.floor(r_real + rs.random(quanta)).astype(np.int64)
        self._lay_n = n_units.astype(np.int32)
        self._lay_off = np.concatenate([[0], np.cumsum(n_units)]).astype(np.int32)
        self._lay_az = az
        # left edge of each patch's stripe (+inf for a patch without receptors: its ACh never faces a unit)
        self._lay_u0 = np.where(n_units > 0, self.active_zone_x[az] - 0.5 * self.stripe_nm, np.inf).astype(np.float32)
        self._p_hyd = 1.0 - math.exp(-q.k_hydrolysis_per_ms * self.ache_activity * self._dt)
        k = q.k_bind_per_molecule_per_ms * lp.binding_gain * self._dt
        # P(bind) = gain × k_bind × (receptors in this patch) × free sites of the unit faced × dt
        self._lay_pbind = (k * n_units * s).astype(np.float32)
        total = int(self._lay_off[-1])
        self._u_state = np.zeros(total, np.int8)
        self._u_layer = np.repeat(np.arange(quanta, dtype=np.int32), n_units)
        slot = np.arange(total) - self._lay_off[:-1][self._u_layer]
        u = (slot + 0.5) * self.stripe_nm / np.maximum(n_units[self._u_layer], 1)
        self._u_x = (self.active_zone_x[az[self._u_layer]] - 0.5 * self.stripe_nm + u).astype(np.float32)
        # ---- drawn receptors: those present at this junction, a share blocked or desensitised
        present = self.achr_fraction / max((1.0 - block) * (1.0 - desens), 1e-9)
        n_draw = int(round(self.n_receptors_healthy * min(present, 2.0)))
        rx, ry, rslot_x, rstripe = self._receptor_positions(n_draw)
        self.receptor_x = rx
        self.receptor_y = ry
        state = np.zeros(n_draw, np.int8)
        idx = rs.permutation(n_draw)
        n_block = int(round(n_draw * block))
        n_des = int(round((n_draw - n_block) * desens))
        state[idx[:n_block]] = BLOCKED
        state[idx[n_block:n_block + n_des]] = DESENSITISED
        self.receptor_state = state
        func = state == CLOSED
        unit = np.full(n_draw, -1, np.int64)
        for k_az in range(n_az):
            layers = np.flatnonzero((az == k_az) & (n_units > 0))
            mine = np.flatnonzero(func & (rstripe == k_az))
            if len(layers) == 0 or len(mine) == 0:
                continue
            lay = layers[np.arange(len(mine)) % len(layers)]
            uu = rslot_x[mine] - (self.active_zone_x[k_az] - 0.5 * self.stripe_nm)
            sl = np.clip((uu * n_units[lay] / self.stripe_nm).astype(np.int64), 0, n_units[lay] - 1)
            unit[mine] = self._lay_off[lay] + sl
        self._rec_unit = unit
        self._rec_func = unit >= 0
        # ---- traces
        n_tr = int(math.ceil((lp.max_replay_ms + lp.ap_lead_ms) / self._dt)) + int(lp.epp_tail_ms / 0.05) + 8
        self._tr_t = np.zeros(n_tr)
        self._tr_open = np.zeros(n_tr)
        self._tr_v = np.zeros(n_tr)
        # ---- Ca2+ ions (display): entry times and places
        if not mepp:
            n_ca = lp.ca_per_active_zone * n_az
            self._ca_born = np.sort(self._rng_ca.uniform(0.0, lp.ca_entry_ms, n_ca))
            self._ca_die = self._ca_born + self._rng_ca.exponential(lp.ca_lifetime_ms, n_ca)
            self._ca_x0 = (self.active_zone_x[np.arange(n_ca) % n_az] + self._rng_ca.uniform(-25, 25, n_ca)).astype(np.float32)
        self._ca_x = np.zeros(0, np.float32)
        self._ca_y = np.zeros(0, np.float32)
        self._ca_t = np.zeros(0)
        self._ca_next = 0
        # ---- clock
        self.t_ms = 0.0 if mepp else -lp.ap_lead_ms
        self.phase = "fusion" if mepp else "ap"
        self.ap_fraction = 1.0 if mepp else 0.0
        self._refresh_receptors()

    # ------------------------------------------------------------------------------------------ stepping
    def step(self, dt_ms: float) -> None:
        """Advance the replay by dt_ms of model time (any length: whole internal steps of
        LensParams.substep_ms are run and the remainder is carried to the next call)."""
        if not (dt_ms >= 0.0) or not math.isfinite(dt_ms):
            raise ValueError(f"dt_ms: expected a finite number ≥ 0 (got {dt_ms!r})")
        if self.phase in ("idle", "done"):
            return
        self._acc += dt_ms
        n_sub = int(self._acc / self._dt + 1e-9)
        self._acc -= n_sub * self._dt
        if self._acc < 0.0:
            self._acc = 0.0
        cuts_x, cuts_y = [], []
        decay = math.exp(-self._dt / self.lp.flash_ms)
        for _ in range(n_sub):
            self.hydrolysis_flash *= decay
            cx, cy = self._substep()
            if cx is not None:
                cuts_x.append(cx)
                cuts_y.append(cy)
            if self.phase == "done":
                break
        if cuts_x:
            self.cut_x = np.concatenate(cuts_x)[-4000:]
            self.cut_y = np.concatenate(cuts_y)[-4000:]
        elif n_sub:
            self.cut_x = self.cut_x[:0]
            self.cut_y = self.cut_y[:0]
        if self._bench_hold and self._n < self._bench_hold:
            self._top_up(self._bench_hold - self._n)
        self._refresh_receptors()
        self._update_stats()

    def _substep(self):
        dt = self._dt
        t0 = self.t_ms
        t1 = t0 + dt
        self.t_ms = t1
        if t1 < 0.0:
            self.ap_fraction = min(1.0, (t1 + self.lp.ap_lead_ms) / self.lp.ap_lead_ms)
            self._record()
            return None, None
        self.ap_fraction = 1.0
        if not self.is_mepp:
            self._step_calcium(t1)
        self._release(t1)
        cut = (None, None)
        if self._n:
            self._move()
            cut = self._remove_and_bind()
        if len(self._u_state):
            self._receptor_transitions()
        self._record()
        self._update_phase()
        return cut

    def _release(self, t1: float) -> None:
        """Vesicles whose fusion completes by t1 empty their ACh just under the presynaptic membrane."""
        if len(self.vesicle_t_ms):
            start = self.vesicle_t_ms - self.lp.fuse_ms
            self.vesicle_fuse = np.clip((t1 - start) / self.lp.fuse_ms, 0.0, 1.0).astype(np.float32)
        order = self._order
        i0 = i = self._next_release
        while i < len(order) and self.vesicle_t_ms[order[i]] <= t1 + 1e-12:
            i += 1
        if i == i0:
            return
        qs = order[i0:i]
        self._next_release = i
        self._released_q[qs] = True
        ppq = self._ppq
        k = len(qs) * ppq
        n = self._n
        self._ensure_capacity(n + k)
        rng = self._rng
        xa = self.active_zone_x[self.vesicle_az[qs]]
        self._x[n:n + k] = np.repeat(xa, ppq) + rng.uniform(-12.0, 12.0, k).astype(np.float32)
        self._y[n:n + k] = rng.uniform(0.5, 4.0, k).astype(np.float32)
        self._q[n:n + k] = np.repeat(qs.astype(np.int32), ppq)
        self._u0[n:n + k] = np.repeat(xa - np.float32(0.5 * self.stripe_nm), ppq)
        self._seen[n:n + k] = False
        self._n = n + k
        self._released_p += k

    def _move(self) -> None:
        """Brownian step, then the membranes: presynaptic (y = 0), crests (y = cleft), fold walls and bottoms.
        All branch-free arithmetic on whole arrays (masked numpy writes are several times slower)."""
        n = self._n
        x, y = self._x[:n], self._y[:n]
        tmp, off, aux = self._tmp[:n], self._off[:n], self._aux[:n]
        C = np.float32(self.cleft_nm)
        from_cleft = np.less_equal(y, C, out=self._m1[:n])
        b = _odd_bytes(self._rng, 2 * n)
        np.multiply(b[:n], self._step_scale, out=tmp)
        x += tmp
        np.multiply(b[n:2 * n], self._step_scale, out=tmp)
        y += tmp
        np.abs(y, out=y)                                             # presynaptic membrane
        if self.fold_depth_nm <= 0:
            np.subtract(C, y, out=tmp)
            np.abs(tmp, out=tmp)
            np.subtract(C, tmp, out=y)                               # crest: y → C − |C − y|
            return
        hw = np.float32(0.5 * self.fold_width_nm)
        bottom = np.float32(self.cleft_nm + self.fold_depth_nm)
        # offset from the nearest fold centre (folds at (k + ½)·stripe)
        self._fold_offset(x, off, tmp)
        np.abs(off, out=aux)
        aux -= hw                                                    # > 0: not over a fold mouth
        # from the cleft, not over a mouth, below the crest → reflect off the crest
        np.subtract(y, C, out=tmp)
        np.maximum(tmp, 0.0, out=tmp)                                # depth below the crest
        blocked = np.greater(aux, 0.0, out=self._m2[:n])
        blocked &= from_cleft
        tmp *= blocked
        tmp *= np.float32(2.0)
        y -= tmp
        # fold bottom: y → B − |B − y|
        np.subtract(bottom, y, out=tmp)
        np.abs(tmp, out=tmp)
        np.subtract(bottom, tmp, out=y)
        # from a fold, still below the crest, beyond a wall → reflect off the wall, then clamp into the fold
        # (a long step can overshoot the opposite wall)
        stayed = np.greater(y, C, out=self._m2[:n])
        np.invert(from_cleft, out=from_cleft)
        stayed &= from_cleft
        np.maximum(aux, 0.0, out=aux)
        np.sign(off, out=tmp)
        aux *= tmp
        aux *= np.float32(2.0)
        np.subtract(off, aux, out=aux)                               # reflected offset
        np.clip(aux, -hw, hw, out=aux)
        aux -= off
        aux *= stayed
        x += aux
        np.clip(y, 0.0, bottom, out=y)

    def _fold_offset(self, x: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
        """x minus the nearest fold centre (folds at (k + ½)·stripe), without np.mod (slow on float32)."""
        P, invP = np.float32(self.stripe_nm), np.float32(1.0 / self.stripe_nm)
        np.multiply(x, invP, out=tmp)
        np.floor(tmp, out=tmp)
        tmp += np.float32(0.5)
        tmp *= P
        np.subtract(x, tmp, out=out)

    def _remove_and_bind(self):
        """Escape at the lateral edges, hydrolysis by AChE, binding to receptor units; removed particles are
        swapped out (O(removed)). Returns the positions of this step's cuts."""
        n = self._n
        x, y = self._x[:n], self._y[:n]
        rng = self._rng
        dead = []
        # hydrolysis: each particle is cut with p = 1 − exp(−k_h·activity·dt): draw how many, then which
        # (O(cut), not O(particles)); a cut particle's x becomes NaN, which every later test rejects
        cx = cy = None
        if self._p_hyd > 0.0:
            k = int(rng.binomial(n, self._p_hyd))
            if k:
                hit = np.sort(rng.integers(0, n, k))
                if k > 1:
                    hit = hit[np.concatenate(([True], hit[1:] != hit[:-1]))]
                self._hydrolysed_p += len(hit)
                cx, cy = x.take(hit), y.take(hit)
                self._flash(cx, cy)
                x[hit] = np.nan
                dead.append(hit)
        # escape at the lateral edges
        out = np.less(x, 0.0, out=self._m1[:n])
        out |= np.greater(x, np.float32(self.width_nm), out=self._m2[:n])
        esc = np.flatnonzero(out)
        if len(esc):
            self._escaped_p += len(esc)
            dead.append(esc)
        # binding. Band prefilter: within capture_nm above the crests, or in the upper part of a fold (AChRs
        # on its walls), and inside the particle's own stripe. Grid: the unit of its own patch it faces.
        if len(self._u_state):
            C = self.cleft_nm
            u = np.subtract(x, self._u0[:n], out=self._tmp[:n])
            band = np.greater(y, np.float32(C - self.lp.capture_nm), out=self._m1[:n])
            band &= np.less_equal(y, np.float32(C + self.lp.wall_receptor_depth_nm), out=self._m2[:n])
            band &= np.greater_equal(u, 0.0, out=self._m2[:n])
            band &= np.less(u, np.float32(self.stripe_nm), out=self._m2[:n])
            cand = np.flatnonzero(band)
            if len(cand):
                # (take() with int32 indices: fancy indexing converts them and is ~3× slower)
                lay = self._q.take(cand)
                nl = self._lay_n.take(lay)
                slot = (u.take(cand) * (nl * np.float32(1.0 / self.stripe_nm))).astype(np.int32)
                np.minimum(slot, nl - 1, out=slot)
                unit = self._lay_off.take(lay)
                unit += slot
                p = self._lay_pbind.take(lay)
                p *= _FREE_SITES.take(self._u_state.take(unit))
                win = np.flatnonzero(rng.random(len(cand), dtype=np.float32) < p)
                if len(win):
                    unit_w = unit[win]
                    order = np.argsort(unit_w, kind="stable")
                    us = unit_w[order]
                    first = order[np.concatenate(([True], us[1:] != us[:-1]))] if len(us) > 1 else order
                    who = cand[win[first]]
                    self._u_state[unit_w[first]] += 1      # free → AR, AR → A2R (closed); one per unit per step
                    self._bound_p += len(who)
                    self._bind_events += len(who)
                    self._seen_p += len(who) - int(np.count_nonzero(self._seen[who]))
                    dead.append(who)
        if dead:
            self._swap_remove(np.concatenate(dead) if len(dead) > 1 else dead[0])
        return cx, cy

    def _swap_remove(self, idx: np.ndarray) -> None:
        """Remove rows idx (distinct) by moving live rows from the end into the holes."""
        n = self._n
        k = len(idx)
        m = n - k
        is_dead_tail = np.zeros(k, bool)
        tail_dead = idx[idx >= m]
        is_dead_tail[tail_dead - m] = True
        movers = np.arange(m, n)[~is_dead_tail]
        holes = idx[idx < m]
        holes.sort()
        for arr in (self._x, self._y, self._u0, self._q, self._seen):
            arr[holes] = arr[movers]
        self._n = m

    def _spawn(self, x: np.ndarray, y: np.ndarray, q: np.ndarray, seen: bool) -> None:
        k = len(x)
        n = self._n
        self._ensure_capacity(n + k)
        self._x[n:n + k] = x
        self._y[n:n + k] = y
        self._q[n:n + k] = q
        self._u0[n:n + k] = self._lay_u0[q]
        self._seen[n:n + k] = seen
        self._n = n + k

    def _receptor_transitions(self) -> None:
        """Unbinding (k_unbind per site), opening (k_open) and closing (1/open time) of the bound units: one
        uniform number per bound unit picks event A (r < PA[state]: lose an ACh) or event B
        (PA ≤ r < PB: A2R opens, or an open channel closes)."""
        st = self._u_state
        act = np.flatnonzero(st.view(bool))             # bool view: numpy's fast path (5× int8)
        if not len(act):
            return
        s = st[act]
        r = self._rng.random(len(act), dtype=np.float32)
        ev_a = r < self._pa.take(s)
        ev_b = r < self._pb.take(s)
        ev_b &= ~ev_a
        if ev_b.any():
            ub, sb = act[ev_b], s[ev_b]
            opened = int(np.count_nonzero(sb == _A2R))
            self._n_open += opened - (len(sb) - opened)
            st[ub] = np.where(sb == _A2R, _OPEN, _A2R).astype(np.int8)
        if ev_a.any():
            u = act[ev_a]
            st[u] -= 1
            k = len(u)
            self._bound_p -= k
            ys = np.full(k, max(0.5, self.cleft_nm - self.lp.capture_nm - self.lp.unbind_offset_nm), np.float32)
            self._spawn(self._u_x[u], ys, self._u_layer[u], True)
        if self._n_open > self._open_peak_units:
            self._open_peak_units = self._n_open
            self._t_open_peak = self.t_ms

    def _flash(self, cx: np.ndarray, cy: np.ndarray) -> None:
        """Count each cut at the nearest AChE site (a precomputed 10-nm grid of nearest sites)."""
        g = self._ache_grid
        ix = np.clip((cx * np.float32(1.0 / _FLASH_CELL_NM)).astype(np.int32), 0, g.shape[1] - 1)
        iy = np.clip((cy * np.float32(1.0 / _FLASH_CELL_NM)).astype(np.int32), 0, g.shape[0] - 1)
        iy *= g.shape[1]
        iy += ix
        self.hydrolysis_flash += np.bincount(g.ravel().take(iy), minlength=len(self.hydrolysis_flash))

    def _step_calcium(self, t1: float) -> None:
        """Ca2+ ions (display): enter at the active zones during the first few tenths of a ms, diffuse into the
        terminal (y < 0) and vanish (buffered)."""
        born = self._ca_born
        if not len(born):
            return
        nxt = int(np.searchsorted(born, t1, side="right"))
        if nxt > self._ca_next:
            new = slice(self._ca_next, nxt)
            self._ca_x = np.concatenate([self._ca_x, self._ca_x0[new]])
            self._ca_y = np.concatenate([self._ca_y, np.full(nxt - self._ca_next, -1.0, np.float32)])
            self._ca_t = np.concatenate([self._ca_t, self._ca_die[new]])
            self._ca_next = nxt
        if len(self._ca_t):
            keep = self._ca_t > t1
            if not keep.all():
                self._ca_x, self._ca_y, self._ca_t = self._ca_x[keep], self._ca_y[keep], self._ca_t[keep]
            m = len(self._ca_x)
            if m:
                b = _odd_bytes(self._rng_ca, 2 * m)
                self._ca_x = self._ca_x + b[:m] * self._ca_scale
                self._ca_y = -np.abs(self._ca_y + b[m:2 * m] * self._ca_scale)

    def _record(self) -> None:
        i = self._tr_n
        if i >= len(self._tr_t):
            return
        o = self._n_open * self.molecules_per_particle
        m = self.params.membrane
        ef, es = math.exp(-self._dt / m.endplate_fast_tau_ms), math.exp(-self._dt / m.time_constant_ms)
        self._v_fast = self._v_fast * ef + o * m.endplate_fast_tau_ms * (1.0 - ef)
        self._v_slow = self._v_slow * es + o * m.time_constant_ms * (1.0 - es)
        self._v = end_plate_response(self._v_fast, self._v_slow, m)
        self._tr_t[i] = self.t_ms
        self._tr_open[i] = o
        self._tr_v[i] = self._v
        self._tr_n = i + 1

    def _update_phase(self) -> None:
        t = self.t_ms
        if self._max_free < self._n:
            self._max_free = self._n
        all_out = self._next_release >= self.quanta
        if not all_out:
            first = (self.vesicle_t_ms.min() - self.lp.fuse_ms) if self.quanta else math.inf
            self.phase = "fusion" if (self.is_mepp or t >= first) else "calcium"
            return
        if self.quanta == 0:
            self.phase = "calcium" if t < self.lp.release_delay_ms + self.lp.ca_entry_ms else "done"
        elif self._n == 0 and self._bound_p == 0:
            self.phase = "done"
        elif t >= self.lp.max_replay_ms:
            self.phase = "done"
        elif self.phase != "clearing":
            # clearing: the open-channel count is past its peak and most free ACh is gone
            past_peak = self._n_open < 0.8 * self._open_peak_units or self._open_peak_units == 0
            self.phase = "clearing" if past_peak and self._n < 0.5 * self._max_free else "diffusion"
        if self.phase == "done":
            self._finish()

    def _finish(self) -> None:
        """Append the passive decay of the end-plate potential to the traces (no more current)."""
        if self._bench_hold:
            return
        tau_m = self.params.membrane.time_constant_ms
        step = 0.05
        k = min(int(self.lp.epp_tail_ms / step), len(self._tr_t) - self._tr_n)
        if k <= 0:
            return
        i = self._tr_n
        ts = self.t_ms + step * np.arange(1, k + 1)
        self._tr_t[i:i + k] = ts
        self._tr_open[i:i + k] = 0.0
        age = ts - self.t_ms
        self._tr_v[i:i + k] = end_plate_response(self._v_fast * np.exp(-age / self.params.membrane.endplate_fast_tau_ms),
                                                 self._v_slow * np.exp(-age / tau_m), self.params.membrane)
        self._tr_n = i + k

    def _refresh_receptors(self) -> None:
        """Drawn receptor states from the kinetic units they stand on (blocked/desensitised ones stay)."""
        if not len(self.receptor_state):
            return
        f = self._rec_func
        if f.any():
            st = self._u_state[self._rec_unit[f]]
            self.receptor_state[f] = np.where(st == _OPEN, OPEN, np.where(st == _FREE, CLOSED, ONE_BOUND))

    # ------------------------------------------------------------------------------------------ statistics
    def _update_stats(self) -> None:
        s = self.molecules_per_particle
        rel = self._released_p
        inv = 1.0 / rel if rel else 0.0
        tv = self._tr_v[: self._tr_n]
        v_peak = float(tv.max()) if self._tr_n else 0.0
        epp_peak = float(martin(v_peak * self._scale_mV, self._df_eff))
        open_peak = self._open_peak_units * s
        tab = self._tab
        self.stats = {
            "released_quanta": int(self._released_q.sum()) if len(self._released_q) else 0,
            "quanta": self.quanta,
            "molecules_per_particle": s,
            "ach_released": rel * s,
            "ach_free": self._n * s,
            "ach_bound": self._bound_p * s,
            "ach_hydrolysed": self._hydrolysed_p * s,
            "ach_escaped": self._escaped_p * s,
            "bound_once_fraction": self._seen_p * inv,
            "binding_events_per_ach": self._bind_events * inv,
            "hydrolysed_fraction": self._hydrolysed_p * inv,
            "escaped_fraction": self._escaped_p * inv,
            "open_peak": open_peak,
            "open_peak_per_quantum": open_peak / self.quanta if self.quanta else 0.0,
            "t_open_peak_ms": self._t_open_peak,
            "epp_peak_mV": epp_peak,
            "epc_tau_ms": (decay_tau_ms(self.open_trace_t_ms, self.open_trace, 0.03) if self.phase == "done"
                           else float("nan")),
            "population_epp_mV": self.population_epp_mV,
            "table_open_peak_per_quantum": tab.get("open_peak", 0.0),
            "table_bound_fraction": tab.get("bound_fraction", 0.0),
            "table_tau_ms": tab.get("tau_ms", float("nan")),
            "table_epp_mV": float(martin(self.quanta * tab.get("v_lin_mV", 0.0), self._df_eff)),
        }

    # ------------------------------------------------------------------------------------------ benchmark
    def _spawn_uniform(self, k: int) -> None:
        """k particles spread through the cleft, each inside the stripe of its own quantum (benchmarks)."""
        rng = self._rng
        n_q = max(self.quanta, 1)
        q = rng.integers(0, n_q, k).astype(np.int32)
        x = (self.active_zone_x[self._lay_az[q]] + rng.uniform(-0.5, 0.5, k) * self.stripe_nm).astype(np.float32)
        y = rng.uniform(0.0, self.cleft_nm, k).astype(np.float32)
        self._spawn(x, y, q, False)
        self._released_p += k

    def _top_up(self, k: int) -> None:
        """Benchmarks only: put k particles back in flight by copying live ones (cheap: no random numbers, so
        the benchmark times the step, not the top-up); counted as released to keep the bookkeeping."""
        n = self._n
        if n == 0:
            self._spawn_uniform(k)
            return
        self._ensure_capacity(n + k)
        src = np.arange(k) % n
        for arr in (self._x, self._y, self._u0, self._q, self._seen):
            arr[n:n + k] = arr[src]
        self._n = n + k
        self._released_p += k

    def fill_for_benchmark(self, n_particles: int) -> None:
        """Put n_particles ACh particles in flight (a healthy junction mid-impulse, AChE intact, spread through
        the cleft) and keep that many in flight: each `step` tops the count back up (benchmarks only)."""
        n_particles = int(n_particles)
        quanta = max(1, min(400, n_particles // 300))
        saved = self.max_particles
        self.max_particles = max(n_particles, 1)
        self._bench_hold = 0
        try:
            self.start_mepp(1.0, 1.0) if quanta == 1 else self.start_impulse(quanta, 1.0, 1.0)
        finally:
            self.max_particles = saved
        self._next_release = self.quanta
        self._released_q[:] = True
        self.vesicle_fuse[:] = 1.0
        self.t_ms = float(self.vesicle_t_ms.max()) if self.quanta else 0.0
        self.ap_fraction = 1.0
        self.phase = "diffusion"
        self._spawn_uniform(n_particles)
        self._bench_hold = n_particles
        self._update_stats()
